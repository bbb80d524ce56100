/**
 * The stage states of DESIGN.md §2. Plain constants, not zod: `flux status` loads this file and
 * zod alone costs ~80 ms of start-up (bench/status). The zod enum lives in ./schema.ts.
 */
export const STAGE_STATES = [
  "waiting",
  "ready",
  "parked",
  "running",
  "needs_handoff",
  "checking",
  "completed",
  "awaiting_verification",
  "verified",
  "merged",
  "blocked",
  "failed",
  "skipped",
  "cancelled",
] as const;
export type StageState = (typeof STAGE_STATES)[number];

export function isStageState(value: string): value is StageState {
  return (STAGE_STATES as readonly string[]).includes(value);
}

/** States a dependent can build on: the upstream work is on the base (or deliberately absent). */
export const SATISFYING_STATES: ReadonlySet<StageState> = new Set(["merged", "skipped"]);

/** States a stage never leaves without a human: the end of its road. */
export const TERMINAL_STATES: ReadonlySet<StageState> = new Set(["merged", "skipped", "cancelled"]);

/** States before any work started: a plan may rewrite or drop such a stage freely. */
export const UNSTARTED_STATES: ReadonlySet<StageState> = new Set(["waiting", "ready"]);
