/**
 * Runs a stage's acceptance checks in order and stops at the first failure: the agent fixes
 * the first failure first (later checks often fail for the same cause), and a verdict arrives
 * sooner. Later checks are reported as skipped, so the agent knows they have not run.
 */
import type { Acceptance } from "../../core/plan/model.ts";
import { abortError, runCheck } from "./check.ts";
import { SKIPPED_REASON } from "./format.ts";
import type { AcceptanceResult, CheckResult, RunAcceptanceOptions } from "./types.ts";

export const DEFAULT_KILL_GRACE_MS = 2_000;

export async function runAcceptance(options: RunAcceptanceOptions): Promise<AcceptanceResult> {
  const now = options.now ?? (() => performance.now());
  const ctx = {
    cwd: options.cwd,
    env: options.env,
    onProgress: options.onProgress,
    onSpawn: options.onSpawn,
    signal: options.signal,
    now,
    killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
  };
  const started = now();
  const checks: CheckResult[] = [];
  let passed = true;
  for (const [index, check] of options.checks.entries()) {
    if (!passed) {
      checks.push(skipped(check));
      continue;
    }
    if (options.signal?.aborted === true) throw abortError(options.signal);
    const result = await runCheck(check, index, ctx);
    checks.push(result);
    passed = result.passed;
  }
  return { passed, checks, durationMs: now() - started };
}

function skipped(check: Acceptance): CheckResult {
  return {
    command: check.command,
    exitCode: null,
    signal: null,
    timedOut: false,
    durationMs: 0,
    outputTail: "",
    outputTruncated: false,
    passed: false,
    skipped: true,
    reason: SKIPPED_REASON,
  };
}
