/**
 * Handoffs (DESIGN.md §4): what one session of a stage leaves the next. The types, and the
 * rendering (`renderHandoff`, `handoffTemplate`, the file names) — free of zod, so the CLI's
 * `flux handoff` commands can load it. The schemas (./schema.ts) and the parser (./parse.ts)
 * are imported by path where a document comes in.
 */
export type {
  Handoff,
  HandoffAuthor,
  HandoffFacts,
  HandoffReason,
  HandoffRecord,
} from "./types.ts";
export { HANDOFF_REASONS } from "./types.ts";
export { handoffFileName, handoffNumber, handoffTemplate, renderHandoff } from "./render.ts";
export type { RenderableHandoff } from "./render.ts";
