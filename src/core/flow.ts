/**
 * Flow control (the supervisor's pause and drain): what the scheduler may start. Pure.
 *
 * - `running`: everything as usual.
 * - `draining`: start nothing new — a stage that never had a session waits — and let the work
 *   in progress finish: its retries, continuations after a handoff, fixes, merges.
 * - `paused`: freeze — no session starts at all (no first start, no respawn, no continuation)
 *   and nothing merges into the base; live agents go on working, and their completion
 *   requests are still checked.
 *
 * The mode lives in the store (it survives restarts) and `flux daemon resume` sets `running`.
 */
export const FLOW_MODES = ["running", "draining", "paused"] as const;
export type FlowMode = (typeof FLOW_MODES)[number];

export function isFlowMode(value: unknown): value is FlowMode {
  return typeof value === "string" && (FLOW_MODES as readonly string[]).includes(value);
}

/** May a session start for a stage? `started`: the stage has had a session before. */
export function mayStartSession(mode: FlowMode, started: boolean): boolean {
  if (mode === "paused") return false;
  return mode === "running" || started;
}

/** May a finished stage merge into the base? */
export function mayMerge(mode: FlowMode): boolean {
  return mode !== "paused";
}

/** What a stage that may not start because of the mode is told, with the way out. */
export function heldReason(mode: FlowMode): string {
  return mode === "paused"
    ? "paused: no session starts until `flux daemon resume`"
    : "draining: no new stage starts until `flux daemon resume`";
}
