/** The stage states of DESIGN.md §2. */
import { z } from "zod";

export const StageState = z.enum([
  "waiting",
  "ready",
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
]);
export type StageState = z.infer<typeof StageState>;

/** States a dependent can build on: the upstream work is on the base (or deliberately absent). */
export const SATISFYING_STATES: ReadonlySet<StageState> = new Set(["merged", "skipped"]);

/** States a stage never leaves without a human: the end of its road. */
export const TERMINAL_STATES: ReadonlySet<StageState> = new Set(["merged", "skipped", "cancelled"]);

/** States before any work started: a plan may rewrite or drop such a stage freely. */
export const UNSTARTED_STATES: ReadonlySet<StageState> = new Set(["waiting", "ready"]);
