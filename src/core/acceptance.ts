/** The outcome of one acceptance check: the engine produces it, the store keeps it as evidence. */
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
