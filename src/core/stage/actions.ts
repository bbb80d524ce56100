/**
 * The words that move a stage: triggers the engine fires when something happened, and the
 * manual actions a human may force (`flux stage <id> complete --force|block|reset|skip|cancel`).
 * Plain constants, like ./states.ts, so the status path does not load zod (./event.ts has the
 * schemas). STAGE_EDGES in ./edges.ts says where each one leads and why.
 */

export const STAGE_TRIGGERS = [
  "deps_satisfied",
  "deps_unsatisfied",
  "session_started",
  "parked",
  "unparked",
  "handoff_requested",
  "handoff_resumed",
  "limit_reached",
  "completion_requested",
  "session_exited",
  "acceptance_passed",
  "acceptance_failed",
  "fix_attempts_exhausted",
  "session_crashed",
  "start_failed",
  "retries_exhausted",
  "question_asked",
  "question_answered",
  "timed_out",
  "session_replaced",
  "gate_opened",
  "gate_approved",
  "gate_rejected",
  "recheck_requested",
  "merge_conflict",
  "resolve_requested",
  "merged",
  "resumed",
] as const;
export type StageTrigger = (typeof STAGE_TRIGGERS)[number];

export const MANUAL_ACTIONS = ["complete", "block", "reset", "skip", "cancel"] as const;
export type ManualAction = (typeof MANUAL_ACTIONS)[number];

export const STAGE_ACTIONS = [...STAGE_TRIGGERS, ...MANUAL_ACTIONS] as const;
export type StageAction = StageTrigger | ManualAction;

/** The counters the store keeps per stage, compared with `max_retries` / `max_fix_attempts`. */
export const STAGE_COUNTERS = ["retries", "fixAttempts"] as const;
export type StageCounter = (typeof STAGE_COUNTERS)[number];

export function isManualAction(value: string): value is ManualAction {
  return (MANUAL_ACTIONS as readonly string[]).includes(value);
}

export function isStageAction(value: string): value is StageAction {
  return (STAGE_ACTIONS as readonly string[]).includes(value);
}
