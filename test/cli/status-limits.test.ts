/**
 * What `flux status` shows of limits, rendered from a real store written the way the engine
 * writes it: a parked stage with its deadline and reason, the agents' limits, and a stage run by
 * a fallback agent.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildStatus, renderStatus } from "../../src/cli/render/status.ts";
import { agentLimits, recordAgentLimit } from "../../src/store/limits.ts";
import { insertSession, listSessions } from "../../src/store/sessions.ts";
import { Store } from "../../src/store/store.ts";
import { planOf } from "../kit/plans.ts";
import { tempDir } from "../kit/temp-repo.ts";

let dir: string;
let store: Store;
const NOW = Date.parse("2026-12-05T12:00:00Z");

beforeEach(() => {
  dir = tempDir();
  store = new Store(path.join(dir, "flux.db"), { clock: () => new Date(NOW) });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function seed() {
  const { planId } = store.applyPlan({
    plan: planOf([
      { id: "a", agent: "claude", fallback_agents: ["codex"] },
      { id: "b", agent: "claude", fallback_agents: ["codex"] },
    ]),
    file: "doc/plans/PLAN-test.md",
    contentHash: "hash",
    baseBranch: "main",
  });
  const until = NOW + 2 * 3600_000;
  store.write((emit) => {
    for (const [id, stage, agent] of [
      ["ses_1", "a", "claude"],
      ["ses_2", "b", "claude"],
      ["ses_3", "b", "codex"],
    ] as const)
      insertSession(store, emit, {
        id,
        planId,
        stageId: stage,
        agent,
        backend: "tmux",
        name: `flux-${stage}`,
        tokenHash: id,
        purpose: "start",
      });
    recordAgentLimit(
      store,
      emit,
      { agent: "claude", kind: "usage_limit", until, message: "You've hit your limit" },
      { planId, stageId: "a", sessionId: "ses_1" },
    );
    recordAgentLimit(
      store,
      emit,
      { agent: "codex", kind: "rate_limit", until: NOW - 1, message: "old" },
      { planId, stageId: "b", sessionId: "ses_3" },
    );
    store.transitionWithin(emit, planId, "a", "parked", {
      reason: "parked until 14:00: claude usage limit; codex usage limit",
      actor: "flux",
    });
    store.noteStage(emit, planId, "a", { parkedUntil: new Date(until).toISOString() });
  });
  const plan = store.activePlan();
  if (plan === undefined) throw new Error("no plan");
  return {
    until,
    view: buildStatus(
      plan,
      store.stages(planId),
      listSessions(store, planId),
      {},
      {
        records: agentLimits(store),
        now: NOW,
      },
    ),
  };
}

describe("flux status: limits", () => {
  it("gives a parked stage its deadline and reason, the limits in force, and the agent that ran", () => {
    const { until, view } = seed();
    const [a, b] = view.stages;
    expect(a).toMatchObject({
      state: "parked",
      parkedUntil: new Date(until).toISOString(),
      reason: "parked until 14:00: claude usage limit; codex usage limit",
      lastAgent: "claude",
    });
    expect(b).toMatchObject({
      state: "ready",
      parkedUntil: null,
      agent: "claude",
      lastAgent: "codex",
    });
    // An expired limit is not shown.
    expect(view.limits).toEqual([
      {
        agent: "claude",
        kind: "usage_limit",
        until: new Date(until).toISOString(),
        message: "You've hit your limit",
      },
    ]);
  });

  it("renders them in the text", () => {
    const text = renderStatus(seed().view, false);
    expect(text).toMatch(
      /^a\s+parked\s+parked until 14:00: claude usage limit; codex usage limit$/m,
    );
    expect(text).toMatch(/^b\s+ready\s+on codex \(fallback for claude\)$/m);
    expect(text).toMatch(/^Limit: claude usage limit until .+ \(You've hit your limit\)$/m);
  });

  it("clears the deadline when the stage leaves parked", () => {
    seed();
    const plan = store.activePlan();
    store.transition(plan?.id ?? 0, "a", "unparked", { actor: "flux" });
    expect(store.stage(plan?.id ?? 0, "a")).toMatchObject({ state: "ready", parkedUntil: null });
  });
});
