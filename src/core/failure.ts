/**
 * Why a session failed: one class per failed session, recorded with it, and the one thing that
 * decides what Flux does next. Pure.
 *
 * | class            | what happened                                              | next step                              |
 * | ---------------- | ---------------------------------------------------------- | -------------------------------------- |
 * | `crash`          | the agent exited non-zero, was killed, or vanished         | restart with a recovery signal (retry) |
 * | `context`        | ended at its context limit (Flux handed off for it)        | continue from the handoff              |
 * | `rate_limit`     | its provider said "too many requests"                      | wait for the reset, same agent         |
 * | `usage_limit`    | its provider's usage or quota ran out                      | a fallback agent, or park              |
 * | `api_error`      | another provider error (overloaded, 5xx)                   | retry; a fallback after a few in a row |
 * | `acceptance`     | it exited without asking and its acceptance failed         | a new session with the failure         |
 * | `merge_conflict` | its finished branch conflicts with the base                | a human merges the base in             |
 * | `infrastructure` | the CLI could not start: exited within seconds, no model call | retry once, then block with its output |
 * | `unknown`        | none of the above could be told                            | restart, like a crash                  |
 */

export const FAILURE_CLASSES = [
  "crash",
  "context",
  "rate_limit",
  "usage_limit",
  "api_error",
  "acceptance",
  "merge_conflict",
  "infrastructure",
  "unknown",
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/**
 * An agent CLI that ends this soon after its session was created, without one model call, did
 * not start: not logged in, its first-run onboarding not done, a bad flag, a missing binary.
 */
export const START_WINDOW_MS = 20_000;

export interface SessionEnd {
  agent: string;
  status: "exited" | "killed" | "lost";
  code: number | null;
  signal: string | null;
  /** The class the agent's own output gave (adapters/agents): rate_limit, api_error… */
  errorClass?: string | undefined;
  /** Tokens the session used (input, output and cache): 0 when it never reached the model. */
  tokens: number;
  /** From the session's creation to its end. */
  durationMs: number;
  /** Flux ended it at its context limit, or it ended after being told to hand off. */
  atContextLimit: boolean;
  /** The runner could not start the program at all (ENOENT, EACCES). */
  spawnError?: boolean | undefined;
}

/** The class of a session that ended without success; undefined for a clean exit (code 0). */
export function classifyEnd(end: SessionEnd): FailureClass | undefined {
  if (end.spawnError === true) return "infrastructure";
  if (end.atContextLimit) return "context";
  const reported = end.errorClass;
  if (reported === "rate_limit" || reported === "usage_limit" || reported === "api_error")
    return reported;
  if (end.status === "exited" && end.code === 0 && end.signal === null) return undefined;
  if (end.status === "lost") return "crash";
  if (
    end.agent !== "command" &&
    end.status === "exited" &&
    reported === undefined &&
    end.tokens === 0 &&
    end.durationMs < START_WINDOW_MS
  )
    return "infrastructure";
  if (end.code !== null || end.signal !== null || reported !== undefined) return "crash";
  return "unknown";
}
