/**
 * Acceptance: Flux runs a stage's acceptance commands itself, in the worktree, on the
 * committed state (DESIGN.md §3: completion is verified, never self-reported). Each command is
 * the user's shell by design (`sh -c`, its own process group, killed as a group on timeout or
 * abort); the result carries each check's exit, duration and output tail as evidence, and
 * `formatFailure` turns a failed run into the feedback the agent works from.
 */
export { DEFAULT_KILL_GRACE_MS, runAcceptance } from "./run.ts";
export { SKIPPED_REASON, failureFeedback, failureReason, formatFailure } from "./format.ts";
export type { CheckOutcome } from "./format.ts";
export { TAIL_MAX_CHARS, TAIL_MAX_LINES } from "./tail.ts";
export type {
  AcceptanceProgress,
  AcceptanceResult,
  CheckResult,
  RunAcceptanceOptions,
} from "./types.ts";
