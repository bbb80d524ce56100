/**
 * The handoff as zod schemas, beside its types (./types.ts): the JSON form of `flux handoff
 * create`, and the API's request and reply. Imported by path, never from ./index.ts: the CLI's
 * `flux handoff` commands stay free of zod.
 */
import { z } from "zod";
import type * as T from "./types.ts";
import { HANDOFF_REASONS } from "./types.ts";

/** `src/app.ts:42` or `src/app.ts:40-60`: a path, a colon, a line or a range of lines. */
export const HANDOFF_REF = /^[^\s:`]+:\d+(?:-\d+)?$/;

export const HandoffRef = z
  .string()
  .regex(HANDOFF_REF, "a file:line reference, e.g. src/app.ts:42 or src/app.ts:40-60")
  .meta({ example: "src/app.ts:42" });

export const RemainingTask = z.strictObject({
  /** What is left to do. */
  task: z.string().trim().min(1, "a remaining task needs its text"),
  /** Where: `path:line` or `path:line-line`. */
  refs: z.array(HandoffRef),
});

export const Handoff = z.strictObject({
  summary: z.string().trim().min(1, "the summary is empty"),
  completed: z.array(z.string()),
  remaining: z.array(RemainingTask),
  decisions: z.array(z.string()),
  questions: z.array(z.string()),
}) satisfies z.ZodType<T.Handoff>;

export const HandoffFacts = z.strictObject({
  context: z
    .strictObject({ percent: z.number(), tokens: z.number(), window: z.number() })
    .optional(),
  commits: z.array(z.string()),
  diffStat: z.string(),
  uncommittedFiles: z.array(z.string()),
  wipCommit: z.string().optional(),
  acceptance: z
    .strictObject({ passed: z.boolean(), commit: z.string(), failed: z.string().optional() })
    .optional(),
  lastMessages: z.array(z.string()).optional(),
}) satisfies z.ZodType<T.HandoffFacts>;

export const HandoffRecord = z.strictObject({
  id: z.number().int(),
  planId: z.number().int(),
  stageId: z.string(),
  number: z.number().int(),
  sessionId: z.string().nullable(),
  author: z.enum(["agent", "flux"]),
  reason: z.enum(HANDOFF_REASONS),
  handoff: Handoff,
  facts: HandoffFacts,
  createdAt: z.string(),
}) satisfies z.ZodType<T.HandoffRecord>;

// The schemas and the interfaces of ./types.ts describe the same data: drift fails here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _same: [
  Same<z.infer<typeof Handoff>, T.Handoff>,
  Same<z.infer<typeof HandoffFacts>, T.HandoffFacts>,
  Same<z.infer<typeof HandoffRecord>, T.HandoffRecord>,
] = [true, true, true];
void _same;
