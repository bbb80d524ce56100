import { describe, expect, it } from "vitest";
import {
  DEFAULT_LIMITS,
  MIN_LIMIT_WAIT_MS,
  candidateAgents,
  chooseAgent,
  failingAgents,
  limitDeadline,
  limitStreak,
  resetTime,
  specForAgent,
} from "../../../src/core/limits/policy.ts";
import type { AgentLimit } from "../../../src/core/limits/policy.ts";

const NOW = Date.parse("2026-12-05T12:00:00Z");
const limit = (agent: AgentLimit["agent"], kind: AgentLimit["kind"], inMs: number): AgentLimit => ({
  agent,
  kind,
  until: NOW + inMs,
  message: "",
});
const limits = (...list: AgentLimit[]) => new Map(list.map((l) => [l.agent, l]));

describe("limitDeadline", () => {
  const settings = { ...DEFAULT_LIMITS, backoffMs: 1_000, backoffMaxMs: 5_000, usageWaitMs: 9_000 };
  it("takes the reset the CLI named", () => {
    const at = NOW + 42_000;
    expect(limitDeadline({ kind: "rate_limit", resetAt: at, streak: 5, now: NOW, settings })).toBe(
      at,
    );
    expect(limitDeadline({ kind: "usage_limit", resetAt: at, streak: 0, now: NOW, settings })).toBe(
      at,
    );
  });
  it("never waits less than a second, even for a reset in the past", () => {
    expect(
      limitDeadline({ kind: "rate_limit", resetAt: NOW - 5_000, streak: 0, now: NOW, settings }),
    ).toBe(NOW + MIN_LIMIT_WAIT_MS);
  });
  it("doubles the rate-limit backoff per limit in a row, up to the cap", () => {
    const waits = [0, 1, 2, 3, 40].map(
      (streak) => limitDeadline({ kind: "rate_limit", streak, now: NOW, settings }) - NOW,
    );
    expect(waits).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });
  it("gives a usage limit without a reset the configured wait", () => {
    expect(limitDeadline({ kind: "usage_limit", streak: 3, now: NOW, settings }) - NOW).toBe(9_000);
  });
});

describe("chooseAgent", () => {
  const candidates = candidateAgents({
    agent: "claude",
    fallbackAgents: ["codex", "opencode", "claude"],
  });
  it("lists the stage's agent first, each once", () => {
    expect(candidates).toEqual(["claude", "codex", "opencode"]);
  });
  it("takes the first free agent; expired limits do not count", () => {
    expect(chooseAgent(candidates, limits(), new Set(), NOW)).toEqual({ agent: "claude" });
    expect(
      chooseAgent(candidates, limits(limit("claude", "usage_limit", -1)), new Set(), NOW),
    ).toEqual({
      agent: "claude",
    });
  });
  it("passes over a usage-limited agent", () => {
    const choice = chooseAgent(
      candidates,
      limits(limit("claude", "usage_limit", 60_000)),
      new Set(),
      NOW,
    );
    expect(choice).toEqual({ agent: "codex" });
  });
  it("waits for a rate-limited agent rather than moving on", () => {
    const choice = chooseAgent(
      candidates,
      limits(limit("claude", "rate_limit", 30_000)),
      new Set(),
      NOW,
    );
    expect(choice).toMatchObject({ parkedUntil: NOW + 30_000, reason: "claude rate limit" });
  });
  it("parks until the earliest reset when every candidate is usage-limited", () => {
    const choice = chooseAgent(
      candidates,
      limits(
        limit("claude", "usage_limit", 90_000),
        limit("codex", "usage_limit", 30_000),
        limit("opencode", "usage_limit", 60_000),
      ),
      new Set(),
      NOW,
    );
    expect(choice).toMatchObject({
      parkedUntil: NOW + 30_000,
      reason: "claude usage limit; codex usage limit; opencode usage limit",
    });
  });
  it("a fallback under a rate limit is waited for once the agents before it are usage-limited", () => {
    const choice = chooseAgent(
      candidates,
      limits(limit("claude", "usage_limit", 90_000), limit("codex", "rate_limit", 10_000)),
      new Set(),
      NOW,
    );
    expect(choice).toMatchObject({
      parkedUntil: NOW + 10_000,
      reason: "claude usage limit; codex rate limit",
    });
  });
  it("skips an agent that keeps failing when another is free, and uses it when none is", () => {
    expect(chooseAgent(candidates, limits(), new Set(["claude"]), NOW)).toEqual({ agent: "codex" });
    expect(chooseAgent(["claude"], limits(), new Set(["claude"]), NOW)).toEqual({
      agent: "claude",
    });
  });
});

describe("failingAgents and limitStreak", () => {
  const s = (agent: string, errorClass: string | null) => ({ agent, errorClass });
  it("finds the agent whose last sessions all ended with an API error", () => {
    expect(failingAgents([s("claude", "api_error"), s("claude", "api_error")], 2)).toEqual(
      new Set(["claude"]),
    );
    expect(failingAgents([s("claude", "api_error"), s("claude", "crash")], 2)).toEqual(new Set());
    expect(failingAgents([s("claude", "api_error"), s("codex", "api_error")], 2)).toEqual(
      new Set(),
    );
    expect(failingAgents([s("claude", "api_error")], 2)).toEqual(new Set());
    expect(failingAgents([s("claude", "crash"), s("claude", "crash")], 2)).toEqual(new Set());
  });
  it("counts the limits in a row at the head", () => {
    expect(
      limitStreak([
        { errorClass: "rate_limit" },
        { errorClass: "usage_limit" },
        { errorClass: null },
        { errorClass: "rate_limit" },
      ]),
    ).toBe(2);
    expect(limitStreak([])).toBe(0);
  });
});

describe("specForAgent", () => {
  const spec = {
    agent: "claude" as const,
    model: "opus",
    mode: "interactive" as const,
    permissionMode: "ask" as const,
  };
  it("keeps the stage's own agent as it is", () => {
    expect(specForAgent(spec, "claude")).toBe(spec);
  });
  it("runs another agent headless on its default model; ask becomes edits", () => {
    expect(specForAgent(spec, "codex")).toEqual({
      agent: "codex",
      model: undefined,
      mode: "headless",
      permissionMode: "edits",
    });
    expect(specForAgent({ ...spec, permissionMode: "bypass" as const }, "opencode")).toMatchObject({
      permissionMode: "bypass",
    });
  });
});

describe("resetTime", () => {
  it("says the time of day, with seconds when it is soon, with the date when it is not today", () => {
    const now = new Date(2026, 11, 5, 12, 0, 0).getTime();
    expect(resetTime(new Date(2026, 11, 5, 14, 5).getTime(), now)).toBe("14:05");
    expect(resetTime(new Date(2026, 11, 5, 12, 3, 7).getTime(), now)).toBe("12:03:07");
    expect(resetTime(new Date(2026, 11, 6, 9, 30).getTime(), now)).toMatch(/^2026-12-0[56] 09:30$/);
  });
});
