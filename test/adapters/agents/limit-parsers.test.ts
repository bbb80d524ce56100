/**
 * Each parser over the CLIs' real output for rate and usage limits (fixtures/README.md says how
 * each was captured): the error class and, where the CLI named it, the reset.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  claudeParser,
  claudeTranscriptTelemetry,
  codexParser,
  opencodeParser,
} from "../../../src/adapters/agents/index.ts";
import { classifyStopFailure } from "../../../src/adapters/agents/claude/api-error.ts";
import type { OutputParser, SessionTelemetry } from "../../../src/adapters/agents/index.ts";
import { feed, fixture } from "./helpers.ts";

const utc = (...args: [number, number, number, number, number, number?]) => Date.UTC(...args);
const local = (...args: [number, number, number, number, number, number?]) =>
  new Date(...args).getTime();

/** The telemetry of a fixture fed to a parser, at exit code 1, with `now` as its clock. */
function failed(
  make: (now: () => number) => OutputParser,
  name: string,
  now = 0,
): SessionTelemetry {
  return feed(
    make(() => now),
    fixture(name),
  ).telemetry(1);
}

const claude = (now: () => number) => claudeParser(undefined, { now });
const codex = (now: () => number) => codexParser(undefined, { now });
const opencode = (now: () => number) => opencodeParser(undefined, { now });

describe("claude stream-json", () => {
  it("a subscriber's usage limit: the exact reset from the rejected rate_limit_event", () => {
    expect(failed(claude, "claude-usage-limit.jsonl")).toMatchObject({
      result: "error",
      errorClass: "usage_limit",
      errorMessage: "You've hit your session limit · resets 6:54pm (UTC)",
      limitResetAt: 1796496887_000,
    });
    expect(failed(claude, "claude-usage-limit-weekly.jsonl")).toMatchObject({
      errorClass: "usage_limit",
      errorMessage: "You've hit your weekly limit · resets Dec 7, 6:50pm (UTC)",
      limitResetAt: 1796669440_000,
    });
  });

  it("without the event, the reset its text names, at the end of that minute", () => {
    const parser = claudeParser(undefined, { now: () => utc(2026, 11, 5, 18, 54, 45) });
    const lines = fixture("claude-usage-limit.jsonl").filter(
      (l) => !l.includes("rate_limit_event"),
    );
    expect(feed(parser, lines).telemetry(1)).toMatchObject({
      errorClass: "usage_limit",
      limitResetAt: utc(2026, 11, 5, 18, 55),
    });
  });

  it("an API key's 429 after retries, a subscriber's plain 429: rate limits with no reset", () => {
    for (const name of ["claude-429-retry-after.jsonl", "claude-subscription-429.jsonl"]) {
      const t = failed(claude, name, utc(2026, 11, 5, 19, 0));
      expect(t.errorClass, name).toBe("rate_limit");
      expect(t.limitResetAt, name).toBeUndefined();
    }
  });

  it("a credit balance too low: a usage limit with no reset", () => {
    const t = failed(claude, "claude-credit-balance.jsonl");
    expect(t).toMatchObject({
      errorClass: "usage_limit",
      errorMessage: "Credit balance is too low",
    });
    expect(t.limitResetAt).toBeUndefined();
  });
});

describe("claude transcript and StopFailure (the TUI)", () => {
  const transcript = (name: string) => fixture(name).join("\n");
  const payload = (name: string) =>
    JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "fixtures", name), "utf8")) as Record<
      string,
      string
    >;

  it("a usage limit: the reset its synthetic message names, dated by its timestamp", () => {
    expect(
      claudeTranscriptTelemetry(transcript("claude-transcript-usage-limit.jsonl")),
    ).toMatchObject({
      result: "error",
      errorClass: "usage_limit",
      errorMessage: "You've hit your session limit · resets 6:53pm (UTC)",
      limitResetAt: utc(2026, 11, 5, 18, 54),
    });
    const hook = payload("claude-stop-failure-usage-limit.json");
    expect(hook.error).toBe("rate_limit");
    expect(
      classifyStopFailure(
        hook.error ?? "",
        hook.last_assistant_message ?? "",
        utc(2026, 11, 5, 18, 53, 11),
      ),
    ).toEqual({ errorClass: "usage_limit", limitResetAt: utc(2026, 11, 5, 18, 54) });
  });

  it("a 429: a rate limit with no reset", () => {
    const t = claudeTranscriptTelemetry(transcript("claude-transcript-429.jsonl"));
    expect(t.errorClass).toBe("rate_limit");
    expect(t.limitResetAt).toBeUndefined();
    const hook = payload("claude-stop-failure-429.json");
    expect(classifyStopFailure(hook.error ?? "", hook.last_assistant_message ?? "")).toEqual({
      errorClass: "rate_limit",
    });
  });

  it("StopFailure's other tags", () => {
    expect(classifyStopFailure("billing_error", "Credit balance is too low")).toEqual({
      errorClass: "usage_limit",
    });
    expect(classifyStopFailure("overloaded", "API Error: 529 Overloaded.")).toEqual({
      errorClass: "api_error",
    });
    expect(classifyStopFailure("", "")).toEqual({ errorClass: "api_error" });
  });
});

describe("codex --json", () => {
  it("a usage limit: the local clock time it names", () => {
    const at = local(2026, 11, 5, 18, 56, 30);
    expect(failed(codex, "codex-usage-limit.jsonl", at)).toMatchObject({
      result: "error",
      errorClass: "usage_limit",
      limitResetAt: local(2026, 11, 5, 20, 27),
    });
    expect(failed(codex, "codex-usage-limit-far.jsonl", at)).toMatchObject({
      errorClass: "usage_limit",
      limitResetAt: local(2026, 11, 7, 18, 51),
    });
  });

  it("insufficient_quota is a usage limit, a 429 it gave up on a rate limit, a 503 an API error", () => {
    const quota = failed(codex, "codex-quota.jsonl");
    expect(quota).toMatchObject({
      errorClass: "usage_limit",
      errorMessage: "Quota exceeded. Check your plan and billing details.",
    });
    expect(quota.limitResetAt).toBeUndefined();
    const rate = failed(codex, "codex-429-retries.jsonl");
    expect(rate).toMatchObject({
      errorClass: "rate_limit",
      errorMessage: "exceeded retry limit, last status: 429 Too Many Requests",
    });
    expect(rate.limitResetAt).toBeUndefined();
    expect(failed(codex, "codex-503-retries.jsonl").errorClass).toBe("api_error");
  });
});

describe("opencode --format json", () => {
  it("a 429: the retry-after it echoes, from the event's timestamp", () => {
    expect(failed(opencode, "opencode-429-retry-after.jsonl")).toMatchObject({
      errorClass: "rate_limit",
      limitResetAt: 1796497006448 + 2_000,
    });
  });

  it("usage_limit_reached: resets_at from the body it echoes", () => {
    expect(failed(opencode, "opencode-usage-limit.jsonl")).toMatchObject({
      errorClass: "usage_limit",
      limitResetAt: 1796502581_000,
    });
  });

  it("insufficient_quota is a usage limit with no reset; a 503 is an API error", () => {
    const quota = failed(opencode, "opencode-quota.jsonl");
    expect(quota.errorClass).toBe("usage_limit");
    expect(quota.limitResetAt).toBeUndefined();
    const busy = failed(opencode, "opencode-503.jsonl");
    expect(busy.errorClass).toBe("api_error");
    expect(busy.limitResetAt).toBeUndefined();
  });
});
