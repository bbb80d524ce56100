/**
 * What `flux status` shows of each session's context, rendered from a real store whose rows
 * were written the way the engine writes them: each level, rows without a figure, rows from
 * before the window and level were recorded, and the stage's and settings' thresholds.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ContextLayer } from "../../src/core/context/levels.ts";
import type { StageSpec } from "../../src/core/plan/schema.ts";
import { buildStatus, renderStatus } from "../../src/cli/render/status.ts";
import { listSessions } from "../../src/store/sessions.ts";
import { Store } from "../../src/store/store.ts";
import type { ContextRow } from "../kit/context-rows.ts";
import { LEVEL_TOKENS, writeContextRows } from "../kit/context-rows.ts";
import { planOf } from "../kit/plans.ts";
import { tempDir } from "../kit/temp-repo.ts";

let dir: string;
let store: Store;

beforeEach(() => {
  dir = tempDir();
  store = new Store(path.join(dir, "flux.db"));
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function view(rows: readonly ContextRow[], stages?: StageSpec[], settings?: ContextLayer) {
  const { planId } = store.applyPlan({
    plan: planOf(stages ?? ["a", "b", "c", "d", "e"].map((id) => ({ id }))),
    file: "doc/plans/PLAN-test.md",
    contentHash: "hash",
    baseBranch: "main",
  });
  writeContextRows(store, planId, rows);
  const plan = store.activePlan();
  if (plan === undefined) throw new Error("no plan");
  return buildStatus(plan, store.stages(planId), listSessions(store, planId), settings);
}

const ROWS: ContextRow[] = [
  { id: "ses_green", stage: "a", tokens: LEVEL_TOKENS.green },
  { id: "ses_yellow", stage: "b", tokens: LEVEL_TOKENS.yellow },
  { id: "ses_red", stage: "c", tokens: LEVEL_TOKENS.red },
  { id: "ses_limit", stage: "d", tokens: LEVEL_TOKENS.limit },
  { id: "ses_none", stage: "e" },
];

/** The session line of `id` in the rendered status. */
const lineOf = (text: string, id: string) => text.split("\n").find((l) => l.includes(id)) ?? "";

describe("flux status: context per session", () => {
  it("shows each live session's figure, and a dash before the first", () => {
    const text = renderStatus(view(ROWS), false);
    expect(lineOf(text, "ses_green")).toMatch(/running\s+claude\s+context: 45%$/);
    expect(lineOf(text, "ses_yellow")).toMatch(/context: 65%$/);
    expect(lineOf(text, "ses_red")).toMatch(/context: 80%$/);
    expect(lineOf(text, "ses_limit")).toMatch(/context: 92% over the 90% limit$/);
    expect(lineOf(text, "ses_none")).toMatch(/running\s+claude\s+context: —$/);
    expect(text).not.toContain("\u001b[");
  });

  it("colours the figure by level: green, yellow, red, and red and bold past the limit", () => {
    const text = renderStatus(view(ROWS), true);
    expect(lineOf(text, "ses_green")).toContain("context: \u001b[32m45%\u001b[39m");
    expect(lineOf(text, "ses_yellow")).toContain("context: \u001b[33m65%\u001b[39m");
    expect(lineOf(text, "ses_red")).toContain("context: \u001b[31m80%\u001b[39m");
    expect(lineOf(text, "ses_limit")).toContain(
      "context: \u001b[1m\u001b[31m92% over the 90% limit\u001b[39m\u001b[22m",
    );
    expect(lineOf(text, "ses_none")).toContain("context: —");
  });

  it("an ended session keeps its last figure, uncoloured", () => {
    const text = renderStatus(
      view([{ id: "ses_done", stage: "a", tokens: LEVEL_TOKENS.red, ended: true }]),
      true,
    );
    expect(lineOf(text, "ses_done")).toMatch(/context: 80%$/);
  });

  it("puts the figure before the telemetry", () => {
    const v = view([{ id: "ses_t", stage: "a", tokens: LEVEL_TOKENS.green }]);
    const session = v.sessions[0];
    if (session === undefined) throw new Error("no session");
    session.inputTokens = 12_000;
    session.outputTokens = 3_000;
    session.costUsd = 0.5;
    expect(lineOf(renderStatus(v, false), "ses_t")).toMatch(
      /context: 45% · 12k in \/ 3000 out · \$0\.5000$/,
    );
  });

  it("gives each session its context object in the JSON, null without a figure", () => {
    const v = JSON.parse(JSON.stringify(view(ROWS))) as {
      sessions: { id: string; context: unknown }[];
      stages: { id: string; context: unknown }[];
    };
    expect(Object.fromEntries(v.sessions.map((s) => [s.id, s.context]))).toEqual({
      ses_green: { tokens: 90_000, window: 200_000, percent: 45, level: "green" },
      ses_yellow: { tokens: 130_000, window: 200_000, percent: 65, level: "yellow" },
      ses_red: { tokens: 160_000, window: 200_000, percent: 80, level: "red" },
      ses_limit: { tokens: 184_000, window: 200_000, percent: 92, level: "limit" },
      ses_none: null,
    });
    expect(v.stages[0]?.context).toEqual({ warn: 60, handoff: 75, hard: 90 });
  });

  it("shows the level the engine recorded, under the stage's own thresholds", () => {
    const thresholds = { warn: 40, handoff: 50, hard: 60 };
    const v = view(
      [{ id: "ses_a", stage: "a", tokens: 110_000, thresholds }],
      [{ id: "a", context: thresholds }],
    );
    expect(v.sessions[0]?.context).toEqual({
      tokens: 110_000,
      window: 200_000,
      percent: 55,
      level: "red",
    });
    expect(v.stages[0]?.context).toEqual(thresholds);
    const limit = view(
      [{ id: "ses_b", stage: "b", tokens: 130_000, thresholds }],
      [{ id: "a" }, { id: "b", context: thresholds }],
    );
    expect(lineOf(renderStatus(limit, false), "ses_b")).toMatch(/context: 65% over the 60% limit$/);
  });

  it("reads rows without a recorded window or level with the model's window and the thresholds", () => {
    const v = view(
      [
        { id: "ses_old", stage: "a", telemetryTokens: 130_000 },
        { id: "ses_1m", stage: "b", telemetryTokens: 450_000, model: "claude-opus-4[1m]" },
        { id: "ses_stage", stage: "c", telemetryTokens: 130_000 },
        { id: "ses_window", stage: "d", telemetryTokens: 130_000 },
      ],
      [
        { id: "a" },
        { id: "b" },
        { id: "c", context: { handoff: 60 } },
        { id: "d", context: { window: 1_000_000 } },
      ],
      { warn: 70 },
    );
    const figures = Object.fromEntries(
      v.sessions.map((s) => [s.id, [s.context?.window, s.context?.percent, s.context?.level]]),
    );
    expect(figures).toEqual({
      ses_old: [200_000, 65, "green"], // [context] warn = 70
      ses_1m: [1_000_000, 45, "green"],
      ses_stage: [200_000, 65, "red"], // the stage hands off at 60 (warn falls to it)
      ses_window: [1_000_000, 13, "green"],
    });
    expect(v.stages.map((s) => s.context)).toEqual([
      { warn: 70, handoff: 75, hard: 90 },
      { warn: 70, handoff: 75, hard: 90 },
      { warn: 60, handoff: 60, hard: 90 },
      { warn: 70, handoff: 75, hard: 90 },
    ]);
  });
});
