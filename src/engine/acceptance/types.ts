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
  /**
   * Hears the process group of each check as it starts (its leader's pid), so a caller can
   * record it before anything else happens — a restarted daemon kills what a dead one left.
   */
  onSpawn?: ((pgid: number) => void) | undefined;
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

export type { CheckResult } from "../../core/acceptance.ts";
import type { CheckResult } from "../../core/acceptance.ts";

export interface AcceptanceResult {
  /** Every check passed (true for no checks at all). */
  passed: boolean;
  checks: CheckResult[];
  durationMs: number;
}
