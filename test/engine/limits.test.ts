/**
 * Rate and usage limits in the engine (in process: memory backend, fake clock). The sessions
 * are played by the test: each exits with the telemetry its CLI's parser would report.
 */
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { SessionTelemetry } from "../../src/adapters/agents/types.ts";
import type { StageSpec } from "../../src/core/plan/schema.ts";
import { signalFile } from "../../src/engine/session-files.ts";
import { listHandoffs } from "../../src/store/handoffs.ts";
import { agentLimits } from "../../src/store/limits.ts";
import type { SessionRecord } from "../../src/store/sessions.ts";
import { listSessions } from "../../src/store/sessions.ts";
import { engineHarness } from "./harness.ts";
import type { EngineHarness } from "./harness.ts";

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.[Symbol.asyncDispose]();
  h = undefined;
});

const NO_USAGE = { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0 };

function limited(
  errorClass: "rate_limit" | "usage_limit" | "api_error",
  limitResetAt?: number,
): SessionTelemetry {
  return {
    usage: NO_USAGE,
    costEstimated: false,
    result: "error",
    errorClass,
    errorMessage: `API Error: ${errorClass}`,
    ...(limitResetAt === undefined ? {} : { limitResetAt }),
  };
}

/** The session's runner reports its exit, then its backend session ends. */
function exitWith(harness: EngineHarness, session: SessionRecord, telemetry: SessionTelemetry) {
  harness.engine.sessionExited(session.id, { code: 1, signal: null, telemetry });
  harness.backend.exit(`flux-${session.stageId}`, 1);
}

const claude = (extra: Partial<StageSpec> = {}): StageSpec => ({
  id: "a",
  agent: "claude",
  mode: "headless",
  ...extra,
});

function sessionsOf(harness: EngineHarness, stageId: string): SessionRecord[] {
  const plan = harness.store.activePlan();
  return listSessions(harness.store, plan?.id ?? 0).filter((s) => s.stageId === stageId);
}

describe("limits", () => {
  it("waits out a rate limit until the reset its CLI named and resumes the same agent, without using a retry", async () => {
    h = await engineHarness([claude({ max_retries: 0, fallback_agents: ["codex"] })]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    h.commit("a", "half.txt", "half\n");
    const reset = h.clock.now().getTime() + 20_000;
    exitWith(h, first, limited("rate_limit", reset));

    const parked = await h.until("parked", () => h?.stage("a").state === "parked" && h.stage("a"));
    expect(parked.parkedUntil).toBe(new Date(reset).toISOString());
    expect(parked.reason).toMatch(/^parked until \d\d:\d\d(:\d\d)?: claude rate limit$/);
    expect(parked.retries).toBe(0);
    const [handoff] = listHandoffs(h.store, parked.planId, "a");
    expect(handoff).toMatchObject({ author: "flux", reason: "agent_limit", sessionId: first.id });
    expect(handoff?.facts.commits[0]).toMatch(/ a: half\.txt$/);
    expect(h.engine.active()).toBe(true); // the daemon does not idle-exit while it waits

    h.clock.advance(19_999);
    expect(h.stage("a").state).toBe("parked");
    h.clock.advance(1);
    const second = await h.launched("a");
    expect(second).toMatchObject({ agent: "claude", purpose: "handoff" });
    expect(h.stage("a")).toMatchObject({ state: "running", retries: 0, parkedUntil: null });
    expect(fs.readFileSync(signalFile(h.paths.work, second.id), "utf8")).toContain(
      "## Continue from the handoff",
    );
  });

  it("backs off exponentially when a rate limit names no reset", async () => {
    h = await engineHarness([claude()]);
    h.engine.requestRun({});
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const session = await h.launched("a");
      const now = h.clock.now().getTime();
      exitWith(h, session, limited("rate_limit"));
      const parked = await h.until(
        "parked",
        () => h?.stage("a").state === "parked" && h.stage("a"),
      );
      const wait = Date.parse(parked.parkedUntil ?? "") - now;
      waits.push(wait);
      h.clock.advance(wait);
    }
    expect(waits).toEqual([30_000, 60_000, 120_000]);
    expect(h.stage("a").retries).toBe(0);
  });

  it("moves a usage-limited stage to its fallback agent, which continues from the handoff; the stage records who finished it", async () => {
    h = await engineHarness([claude({ fallback_agents: ["codex", "opencode"], model: "opus" })]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    h.commit("a", "half.txt", "half\n");
    const reset = h.clock.now().getTime() + 3 * 3600_000;
    exitWith(h, first, limited("usage_limit", reset));

    const second = await h.launched("a");
    expect(second).toMatchObject({ agent: "codex", purpose: "handoff" });
    const signal = fs.readFileSync(signalFile(h.paths.work, second.id), "utf8");
    expect(signal).toContain("## Continue from the handoff");
    expect(signal).toContain("half.txt");
    expect(agentLimits(h.store)).toMatchObject([
      { agent: "claude", kind: "usage_limit", until: reset },
    ]);
    expect(h.stage("a").retries).toBe(0);

    h.commit("a", "a.txt", "a\n");
    const { result } = await h.engine.complete("a", { sessionId: second.id });
    expect(await result).toMatchObject({ passed: true });
    await h.until("merged", () => h?.stage("a").state === "merged");
    expect(sessionsOf(h, "a").map((s) => [s.agent, s.errorClass])).toEqual([
      ["claude", "usage_limit"],
      ["codex", null],
    ]);
  });

  it("parks when every candidate is limited, until the earliest reset; survives a restart and resumes by itself", async () => {
    h = await engineHarness([claude({ fallback_agents: ["codex"] })]);
    h.engine.requestRun({});
    const start = h.clock.now().getTime();
    exitWith(h, await h.launched("a"), limited("usage_limit", start + 600_000));
    const codex = await h.launched("a");
    expect(codex.agent).toBe("codex");
    exitWith(h, codex, limited("usage_limit", start + 300_000));

    const parked = await h.until("parked", () => h?.stage("a").state === "parked" && h.stage("a"));
    expect(parked.parkedUntil).toBe(new Date(start + 300_000).toISOString());
    expect(parked.reason).toMatch(/: claude usage limit; codex usage limit$/);
    expect(parked.retries).toBe(0);

    await h.restart();
    expect(h.stage("a").state).toBe("parked");
    h.clock.advance(300_000 - (h.clock.now().getTime() - start));
    const third = await h.launched("a");
    // Codex reset first; claude is still limited.
    expect(third).toMatchObject({ agent: "codex", purpose: "handoff" });
  });

  it("a stage that finds its only agent limited parks before it starts", async () => {
    h = await engineHarness([claude(), claude({ id: "b" })]);
    h.engine.requestRun({ maxParallel: 1 });
    const a = await h.launched("a");
    const reset = h.clock.now().getTime() + 60_000;
    exitWith(h, a, limited("usage_limit", reset));
    await h.until("both parked", () => ["a", "b"].every((id) => h?.stage(id).state === "parked"));
    expect(sessionsOf(h, "b")).toEqual([]);
    expect(h.stage("b").parkedUntil).toBe(new Date(reset).toISOString());
  });

  it("`flux resume` un-parks at once and forgets the limits it waited for", async () => {
    h = await engineHarness([claude()]);
    h.engine.requestRun({});
    exitWith(h, await h.launched("a"), limited("usage_limit", h.clock.now().getTime() + 3600_000));
    await h.until("parked", () => h?.stage("a").state === "parked");
    h.engine.resume("a");
    const next = await h.launched("a");
    expect(next.agent).toBe("claude");
    expect(agentLimits(h.store)).toEqual([]);
    expect(h.events.some((e) => e.type === "agent.limit_cleared")).toBe(true);
  });

  it("hands a stage that keeps failing with the same API error to its fallback, counting the retries", async () => {
    h = await engineHarness([claude({ fallback_agents: ["opencode"], max_retries: 3 })]);
    h.engine.requestRun({});
    exitWith(h, await h.launched("a"), limited("api_error"));
    const second = await h.launched("a");
    expect(second.agent).toBe("claude");
    exitWith(h, second, limited("api_error"));
    const third = await h.launched("a");
    expect(third.agent).toBe("opencode");
    expect(h.stage("a").retries).toBe(2);
  });

  it("an interactive agent's StopFailure with a limit hands the stage on at once, however the TUI then ends", async () => {
    h = await engineHarness([claude({ mode: "interactive", fallback_agents: ["codex"] })], {
      backend: { kind: "tmux" },
    });
    h.engine.requestRun({});
    const tui = await h.launched("a");
    const reset = h.clock.now().getTime() + 3600_000;
    h.engine.hook(tui.id, {
      event: "stop-failure",
      error: "rate_limit",
      message: "You've hit your session limit · resets 6pm",
      telemetry: limited("usage_limit", reset),
    });
    expect(h.stage("a").state).toBe("needs_handoff");
    expect(agentLimits(h.store)).toMatchObject([
      { agent: "claude", kind: "usage_limit", until: reset },
    ]);
    // The TUI does not exit: Flux kills it after the grace; its fallback continues.
    h.clock.advance(10_000);
    const next = await h.launched("a");
    expect(next).toMatchObject({ agent: "codex", purpose: "handoff" });
    expect(h.events.filter((e) => e.type === "agent.limited")).toHaveLength(1);
  });
});
