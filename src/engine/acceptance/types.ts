/** The shapes of an acceptance run: options, progress events, results. */
import type { Acceptance } from "../../core/plan/model.ts";

export interface RunAcceptanceOptions {
  /** Working directory of every check: the worktree root. */
  cwd: string;
  /** Run in this order; the run stops at the first failure. */
  checks: Acceptance[];
  /** The complete environment of each check (nothing is added or inherited). */
  env: NodeJS.ProcessEnv;
  /** Called synchronously as the run goes; must not throw. */
  onProgress?: ((event: AcceptanceProgress) => void) | undefined;
  /** Aborting kills the running check's process group; the run then rejects with the reason. */
  signal?: AbortSignal | undefined;
  /** Clock for durations, in milliseconds. Default `performance.now`. */
  now?: (() => number) | undefined;
  /** How long a process group gets between SIGTERM and SIGKILL, in ms. Default 2000. */
  killGraceMs?: number | undefined;
}

export type AcceptanceProgress =
  | { type: "check_started"; index: number; command: string }
  | { type: "output"; index: number; stream: "stdout" | "stderr"; text: string }
  | {
      type: "check_finished";
      index: number;
      passed: boolean;
      exitCode: number | null;
      durationMs: number;
    };

export interface CheckResult {
  command: string;
  /** Null when the shell was killed by a signal, or the check was skipped. */
  exitCode: number | null;
  /** The signal that ended the shell (`SIGTERM` after a timeout), or null. */
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** The end of stdout and stderr, interleaved as they arrived: last 200 lines, 16 KiB at most. */
  outputTail: string;
  /** True when `outputTail` is only the end of a longer output. */
  outputTruncated: boolean;
  passed: boolean;
  /** Not run, because an earlier check failed. */
  skipped: boolean;
  /** Why the check failed or was skipped, in one line; absent when it passed. */
  reason?: string | undefined;
}

export interface AcceptanceResult {
  /** Every check passed (true for no checks at all). */
  passed: boolean;
  checks: CheckResult[];
  durationMs: number;
}
