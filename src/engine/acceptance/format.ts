/** One-line reasons for a failed check, and the feedback text an agent gets for a failed run. */
import { formatDuration } from "../../core/plan/duration.ts";
import type { Acceptance } from "../../core/plan/model.ts";
import { formatFeedback } from "../../core/signal/index.ts";
import type { Feedback } from "../../core/signal/index.ts";
import type { AcceptanceResult } from "./types.ts";

export const SKIPPED_REASON = "not run: an earlier check failed";

export interface CheckOutcome {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Whether stdout contained `stdoutContains`; undefined when the check sets none. */
  stdoutFound: boolean | undefined;
}

/** Why a check failed, in one line, or undefined when it passed. The first problem wins. */
export function failureReason(check: Acceptance, outcome: CheckOutcome): string | undefined {
  if (outcome.timedOut) return `timed out after ${formatDuration(check.timeoutMs)}`;
  if (outcome.code === null) {
    return `killed by ${outcome.signal ?? "an unknown signal"}, expected exit ${check.expectExit}`;
  }
  if (outcome.code !== check.expectExit) {
    return `exit ${outcome.code}, expected ${check.expectExit}`;
  }
  if (outcome.stdoutFound === false) {
    return `stdout does not contain ${JSON.stringify(check.stdoutContains)}`;
  }
  return undefined;
}

/** The failed run as signal feedback data (see `formatFeedback`). */
export function failureFeedback(
  result: AcceptanceResult,
  attempt?: { attempt: number; maxAttempts?: number | undefined },
): Extract<Feedback, { kind: "acceptance" }> {
  return {
    kind: "acceptance",
    failed: result.checks
      .filter((c) => !c.passed && !c.skipped)
      .map((c) => ({
        command: c.command,
        reason: c.reason ?? "failed",
        outputTail: c.outputTail,
        outputTruncated: c.outputTruncated,
      })),
    notRun: result.checks.filter((c) => c.skipped).map((c) => c.command),
    ...attempt,
  };
}

/**
 * The exact text an agent gets for a failed run: which command failed, why, and its output
 * tail. The same text is the feedback section of the next signal. For a passed run, one line.
 */
export function formatFailure(result: AcceptanceResult): string {
  if (result.passed) return `All ${result.checks.length} acceptance checks passed.`;
  return formatFeedback(failureFeedback(result));
}
