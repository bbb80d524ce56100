/**
 * Rate and usage limits with the real CLIs, each launched by its adapter against the fake
 * model's scripted errors: the class and reset its parser reads (docs/agents.md "Rate and usage
 * limits (measured)"), and a limit that resets within the CLI's own retries. Each CLI's retries
 * are kept short: retry-after of a second or less (opencode retries five times whatever Flux
 * says; Codex's retries come from its config, 0 here unless a test sets them).
 */
import { describe, expect, it } from "vitest";
import type { ScriptInput } from "../../../src/adapters/model/index.ts";
import { tempRepo } from "../../kit/temp-repo.ts";
import { runLaunch, type Run } from "./run-launch.ts";

const HOUR = 3_600_000;

/** When the model first answered with the scripted error (epoch ms). */
function firstError(run: Run): number {
  const entry = run.requests.find((r) => r.status >= 400);
  if (entry === undefined) throw new Error(`no error answered\n${run.pane.join("\n")}`);
  return Date.parse(entry.ts);
}

const answers = (run: Run) => run.requests.filter((r) => r.script !== null).map((r) => r.status);

/** Script turns, one error and nothing after it. */
const failing = (error: Record<string, unknown>): ScriptInput => [{ error } as never];

describe("claude, as Flux launches it (CLAUDE_CODE_MAX_RETRIES=2)", () => {
  it("waits out a 429's retry-after and finishes once the limit has reset", async () => {
    await using repo = await tempRepo();
    const run = await runLaunch("claude", {
      cwd: repo.dir,
      apiMaxRetries: 2,
      script: [
        {
          limit: {
            status: 429,
            type: "rate_limit_error",
            message: "Number of requests has exceeded your per-minute rate limit",
            headers: { "retry-after": "${RESET_IN}" },
            for_ms: 1_000,
          },
          end: true,
          text: "Done after the limit.",
        },
      ],
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.telemetry.result).toBe("success");
    expect(answers(run)).toEqual([429, 200]);
    expect(run.lines.some((l) => l.includes('"subtype":"api_retry"'))).toBe(true);
  });

  it("a 429 it gives up on: a rate limit, with no reset (Claude does not say one)", async () => {
    await using repo = await tempRepo();
    const run = await runLaunch("claude", {
      cwd: repo.dir,
      apiMaxRetries: 2,
      script: failing({
        status: 429,
        type: "rate_limit_error",
        message: "Number of requests has exceeded your per-minute rate limit",
        headers: { "retry-after": "1", "anthropic-ratelimit-requests-reset": "${RESET_ISO}" },
        reset_in_ms: 1_000,
      }),
    });
    expect(run.code).toBe(1);
    expect(answers(run)).toEqual([429, 429, 429]);
    expect(run.telemetry).toMatchObject({ result: "error", errorClass: "rate_limit" });
    expect(run.telemetry.limitResetAt).toBeUndefined();
  });

  it("a subscriber's usage limit: not retried, the exact reset from its rate_limit_event", async () => {
    await using repo = await tempRepo();
    const run = await runLaunch("claude", {
      cwd: repo.dir,
      apiMaxRetries: 2,
      // Subscription auth: Claude reads the unified headers only then.
      env: { ANTHROPIC_API_KEY: "", CLAUDE_CODE_OAUTH_TOKEN: "fake-oauth-token" },
      script: failing({
        status: 429,
        type: "rate_limit_error",
        message: "This request would exceed your account's rate limit.",
        headers: {
          "anthropic-ratelimit-unified-status": "rejected",
          "anthropic-ratelimit-unified-reset": "${RESET_EPOCH}",
          "anthropic-ratelimit-unified-representative-claim": "five_hour",
        },
        reset_in_ms: 2 * HOUR,
      }),
    });
    expect(run.code).toBe(1);
    expect(answers(run)).toEqual([429]);
    expect(run.telemetry).toMatchObject({ result: "error", errorClass: "usage_limit" });
    expect(run.telemetry.errorMessage).toMatch(/^You've hit your session limit · resets /);
    const reset = Math.floor((firstError(run) + 2 * HOUR) / 1000) * 1000;
    expect(run.telemetry.limitResetAt).toBe(reset);
  });
});

describe("codex, as its adapter launches it", () => {
  it("honours retry-after across its reconnects and finishes once the limit has reset", async () => {
    await using repo = await tempRepo();
    const run = await runLaunch("codex", {
      cwd: repo.dir,
      home: { retries: 1 },
      script: [
        {
          limit: {
            status: 429,
            type: "requests",
            message: "Rate limit reached for requests",
            headers: { "retry-after": "${RESET_IN}" },
            body: { code: "rate_limit_exceeded" },
            for_ms: 1_000,
          },
          end: true,
          text: "Done after the limit.",
        },
      ],
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.telemetry.result).toBe("success");
    expect(answers(run)).toEqual([429, 200]);
  });

  it("usage_limit_reached: a usage limit, reset at the end of the minute it names", async () => {
    await using repo = await tempRepo();
    const run = await runLaunch("codex", {
      cwd: repo.dir,
      script: failing({
        status: 429,
        type: "usage_limit_reached",
        message: "The usage limit has been reached",
        body: { plan_type: "plus", resets_at: "${RESET_EPOCH}" },
        reset_in_ms: 2 * HOUR,
      }),
    });
    expect(run.code).toBe(1);
    expect(run.telemetry).toMatchObject({ result: "error", errorClass: "usage_limit" });
    // A time, or a date and time when the reset falls on another day (run after 22:00 here).
    expect(run.telemetry.errorMessage).toMatch(
      /try again at (?:[A-Z][a-z]{2} \d{1,2}(?:st|nd|rd|th), \d{4} )?\d{1,2}:\d{2} [AP]M\.$/,
    );
    const reset = firstError(run) + 2 * HOUR;
    expect(run.telemetry.limitResetAt).toBeGreaterThanOrEqual(reset - 1_000);
    expect(run.telemetry.limitResetAt).toBeLessThanOrEqual(reset + 61_000);
  });

  it("a 429 it gives up on is a rate limit, insufficient_quota a usage limit; no reset", async () => {
    await using repo = await tempRepo();
    const [rate, quota] = await Promise.all([
      runLaunch("codex", {
        cwd: repo.dir,
        script: failing({
          status: 429,
          type: "requests",
          message: "Rate limit reached for requests",
          headers: { "retry-after": "1" },
          body: { code: "rate_limit_exceeded" },
        }),
      }),
      runLaunch("codex", {
        cwd: repo.dir,
        script: failing({
          status: 429,
          type: "insufficient_quota",
          message: "You exceeded your current quota, please check your plan and billing details.",
        }),
      }),
    ]);
    expect(rate.telemetry).toMatchObject({ errorClass: "rate_limit" });
    expect(quota.telemetry).toMatchObject({
      errorClass: "usage_limit",
      errorMessage: "Quota exceeded. Check your plan and billing details.",
    });
    expect(rate.telemetry.limitResetAt).toBeUndefined();
    expect(quota.telemetry.limitResetAt).toBeUndefined();
  });
});

describe("opencode, as its adapter launches it (five retries of its own)", () => {
  // Two runs at once: opencode takes 10-20 s to start here.
  it("429 and usage_limit_reached after its five retries: the reset it echoes", async () => {
    await using repo = await tempRepo();
    const [rate, usage] = await Promise.all([
      runLaunch("opencode", {
        cwd: repo.dir,
        // retry-after-ms keeps its five waits short; it honours whatever it is told.
        script: failing({
          status: 429,
          type: "requests",
          message: "Rate limit reached for requests",
          headers: { "retry-after-ms": "200" },
          body: { code: "rate_limit_exceeded" },
        }),
      }),
      runLaunch("opencode", {
        cwd: repo.dir,
        script: failing({
          status: 429,
          type: "usage_limit_reached",
          message: "The usage limit has been reached",
          headers: { "retry-after-ms": "100" },
          body: { plan_type: "plus", resets_at: "${RESET_EPOCH}" },
          reset_in_ms: 2 * HOUR,
        }),
      }),
    ]);
    expect(rate.code).toBe(1);
    expect(answers(rate)).toEqual([429, 429, 429, 429, 429, 429]);
    expect(rate.telemetry).toMatchObject({ result: "error", errorClass: "rate_limit" });
    const lastRate = Date.parse(rate.requests.at(-1)?.ts ?? "");
    expect(rate.telemetry.limitResetAt).toBeGreaterThanOrEqual(lastRate + 200);
    expect(rate.telemetry.limitResetAt).toBeLessThanOrEqual(lastRate + 200 + 2_000);

    expect(usage.code).toBe(1);
    expect(usage.telemetry).toMatchObject({ result: "error", errorClass: "usage_limit" });
    // Each retry is a new answer: the last one's resets_at is the one echoed.
    const lastUsage = Date.parse(usage.requests.at(-1)?.ts ?? "");
    expect(usage.telemetry.limitResetAt).toBe(Math.floor((lastUsage + 2 * HOUR) / 1000) * 1000);
  });
});
