import { describe, expect, it } from "vitest";
import type { AcceptanceResult, CheckResult } from "../../../src/engine/acceptance/index.ts";
import {
  SKIPPED_REASON,
  failureFeedback,
  failureReason,
  formatFailure,
} from "../../../src/engine/acceptance/index.ts";
import { check } from "./helpers.ts";

const outcome = { code: 0, signal: null, timedOut: false, stdoutFound: undefined };

describe("failureReason", () => {
  it("explains each kind of failure in one line", () => {
    expect(failureReason(check("t"), outcome)).toBeUndefined();
    expect(
      failureReason(check("t", { timeoutMs: 600_000 }), {
        ...outcome,
        code: null,
        signal: "SIGTERM",
        timedOut: true,
      }),
    ).toBe("timed out after 10m");
    expect(failureReason(check("t"), { ...outcome, code: 1 })).toBe("exit 1, expected 0");
    expect(failureReason(check("t"), { ...outcome, code: null, signal: "SIGSEGV" })).toBe(
      "killed by SIGSEGV, expected exit 0",
    );
    expect(
      failureReason(check("t", { stdoutContains: "ok" }), { ...outcome, stdoutFound: false }),
    ).toBe('stdout does not contain "ok"');
    expect(
      failureReason(check("t", { stdoutContains: "ok" }), { ...outcome, stdoutFound: true }),
    ).toBeUndefined();
  });
});

function result(checks: Partial<CheckResult>[]): AcceptanceResult {
  const full = checks.map((c) => ({
    command: "true",
    exitCode: 0,
    signal: null,
    timedOut: false,
    durationMs: 5,
    outputTail: "",
    outputTruncated: false,
    passed: true,
    skipped: false,
    ...c,
  }));
  return { passed: full.every((c) => c.passed), checks: full, durationMs: 10 };
}

describe("formatFailure", () => {
  const failed = result([
    { command: "npm run build" },
    {
      command: "npm test",
      exitCode: 1,
      passed: false,
      reason: "exit 1, expected 0",
      outputTail: "1 failing\n",
    },
    {
      command: "npm run lint",
      exitCode: null,
      passed: false,
      skipped: true,
      reason: SKIPPED_REASON,
    },
  ]);

  it("is the feedback an agent gets: the failed command, why, its output, what did not run", () => {
    expect(formatFailure(failed)).toBe(
      [
        "Acceptance failed.",
        "`npm test` failed: exit 1, expected 0. Its output (stdout and stderr):\n\n```text\n1 failing\n```",
        "Not run, because an earlier check failed: `npm run lint`.",
        'Fix the cause, commit, and run `"$FLUX_BIN" stage complete` again.',
      ].join("\n\n"),
    );
  });

  it("turns a failed run into signal feedback data", () => {
    expect(failureFeedback(failed, { attempt: 2, maxAttempts: 5 })).toEqual({
      kind: "acceptance",
      failed: [
        {
          command: "npm test",
          reason: "exit 1, expected 0",
          outputTail: "1 failing\n",
          outputTruncated: false,
        },
      ],
      notRun: ["npm run lint"],
      attempt: 2,
      maxAttempts: 5,
    });
  });

  it("says so in one line for a passed run", () => {
    expect(formatFailure(result([{}, {}]))).toBe("All 2 acceptance checks passed.");
  });
});
