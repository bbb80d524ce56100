/**
 * Routes of one stage: verified completion and a gate's evidence (NDJSON streams of the
 * acceptance's progress, then the verdict or the evidence), approve, reject, merge, resume.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { MANUAL_ACTIONS } from "../../../core/stage/actions.ts";
import { STAGE_STATES } from "../../../core/stage/states.ts";
import {
  AcceptanceProgress,
  CheckEvidence,
  StageId,
  StageParams,
  jsonBody,
  reply,
  routeOf,
  stream,
} from "./common.ts";

/** The verdict of a completion request (engine/completion.ts). */
export const Verdict = z.strictObject({
  stageId: z.string(),
  passed: z.boolean(),
  commit: z.string(),
  /** The stage's state after the verdict. */
  state: z.string(),
  /** What failed, as the agent is told; empty on a pass. */
  report: z.string(),
  checks: z.array(CheckEvidence),
  durationMs: z.number(),
  /** A stacked stage's branch was rebased before the acceptance: why (engine/stack.ts). */
  restacked: z.string().optional(),
});

/** What a reviewer sees at a gate (engine/gates.ts). */
export const GateEvidence = z.strictObject({
  stageId: z.string(),
  commit: z.string(),
  passed: z.boolean(),
  checks: z.array(CheckEvidence),
  diffStat: z.strictObject({
    files: z.array(
      z.strictObject({
        path: z.string(),
        /** Null for a binary file. */
        added: z.number().int().nullable(),
        deleted: z.number().int().nullable(),
      }),
    ),
    insertions: z.number().int(),
    deletions: z.number().int(),
  }),
  commits: z.array(z.strictObject({ sha: z.string(), subject: z.string() })),
});

export const MergeOutcome = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("merged"), mergeCommit: z.string() }),
  z.strictObject({ kind: z.literal("conflict"), files: z.array(z.string()) }),
  z.strictObject({ kind: z.literal("overlap"), files: z.array(z.string()) }),
  z.strictObject({ kind: z.literal("rechecking"), commit: z.string() }),
  z.strictObject({ kind: z.literal("waiting"), reason: z.string() }),
  z.strictObject({ kind: z.literal("blocked"), reason: z.string() }),
]);

export const CompleteLine = z.union([
  AcceptanceProgress,
  z.strictObject({ type: z.literal("accepted"), stage: StageId }),
  Verdict.extend({ type: z.literal("verdict") }),
]);

export const EvidenceLine = z.union([
  AcceptanceProgress,
  GateEvidence.extend({ type: z.literal("evidence") }),
]);

const Reviewer = z.string().min(1).optional().openapi({ example: "human:ada" });

export const ApproveBody = z.strictObject({ reviewer: Reviewer });
export const RejectBody = z.strictObject({
  /** What the next session works from. */
  reason: z.string(),
  reviewer: Reviewer,
});

export const StageMoved = z.strictObject({ ok: z.literal(true), state: z.enum(STAGE_STATES) });

export const completeStage = createRoute({
  ...routeOf("completeStage"),
  request: { params: StageParams },
  responses: stream("NDJSON: progress lines, `accepted`, then the `verdict`."),
});

export const stageEvidence = createRoute({
  ...routeOf("stageEvidence"),
  request: { params: StageParams },
  responses: stream("NDJSON: progress lines, then the `evidence`."),
});

export const approveStage = createRoute({
  ...routeOf("approveStage"),
  request: { params: StageParams, body: jsonBody(ApproveBody) },
  responses: reply(StageMoved, "Approved: the stage's new state."),
});

export const rejectStage = createRoute({
  ...routeOf("rejectStage"),
  request: { params: StageParams, body: jsonBody(RejectBody) },
  responses: reply(StageMoved, "Rejected: the stage's new state."),
});

export const mergeStage = createRoute({
  ...routeOf("mergeStage"),
  request: { params: StageParams },
  responses: reply(z.strictObject({ outcome: MergeOutcome }), "Merged, or why not yet."),
});

export const resolveStage = createRoute({
  ...routeOf("resolveStage"),
  request: { params: StageParams },
  responses: reply(StageMoved, "A resolution session will start: the stage's new state."),
});

export const resumeStage = createRoute({
  ...routeOf("resumeStage"),
  request: { params: StageParams },
  responses: reply(StageMoved, "Resumed: the stage's new state."),
});

export const ForceBody = z.strictObject({
  action: z.enum(MANUAL_ACTIONS),
  reason: z.string().optional(),
  /** Who forces it, for the event log (`human:<user>`). */
  actor: z.string().min(1).openapi({ example: "human:ada" }),
});

export const StageForced = StageMoved.extend({
  /** The event log's last sequence number before the edge: the CLI shows what followed. */
  before: z.number().int(),
});

export const forceStage = createRoute({
  ...routeOf("forceStage"),
  request: { params: StageParams, body: jsonBody(ForceBody) },
  responses: reply(StageForced, "Forced: the stage's new state."),
});
