/**
 * `.work/sessions/<id>.md` shows the session's context health (percent, tokens of the window,
 * level, when measured), rendered from a real store whose rows were written the way the engine
 * writes them, and rendered again byte for byte the way `flux validate` compares it.
 */
import fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { WorkPaths } from "../../src/store/paths.ts";
import { ensureWorkDir, workPaths } from "../../src/store/paths.ts";
import { renderAll, syncProjections } from "../../src/store/projections/sync.ts";
import { getSession } from "../../src/store/sessions.ts";
import { recordContext } from "../../src/store/session-records.ts";
import { Store } from "../../src/store/store.ts";
import type { ContextRow } from "../kit/context-rows.ts";
import { LEVEL_TOKENS, writeContextRows } from "../kit/context-rows.ts";
import { planOf } from "../kit/plans.ts";
import { tempDir } from "../kit/temp-repo.ts";

const AT = "2026-01-02T03:04:05.000Z";
let dir: string;
let paths: WorkPaths;
let store: Store;
let planId: number;

beforeEach(() => {
  dir = tempDir();
  paths = workPaths(dir);
  ensureWorkDir(paths);
  store = new Store(paths.db, { clock: () => new Date(AT) });
  planId = store.applyPlan({
    plan: planOf([
      { id: "a" },
      { id: "b" },
      { id: "c" },
      { id: "d" },
      { id: "e", context: { warn: 30, handoff: 40, hard: 50 } },
    ]),
    file: "doc/plans/PLAN-test.md",
    contentHash: "hash",
    baseBranch: "main",
  }).planId;
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The Context section of a session's projection, after a sync. */
function contextOf(id: string): string {
  syncProjections(store, paths);
  const text = fs.readFileSync(paths.sessionFile(id), "utf8");
  // What `flux validate` renders again must match the file byte for byte.
  expect(renderAll(store, paths).files.get(paths.sessionFile(id))).toBe(text);
  const section = /## Context\n\n([\s\S]*?)\n\n## Usage/.exec(text);
  return section?.[1] ?? "";
}

const write = (rows: ContextRow[]) => writeContextRows(store, planId, rows);

describe("the session projection's context", () => {
  it("shows percent, tokens of the window, level and when it was measured, per level", () => {
    write([
      { id: "ses_green", stage: "a", tokens: LEVEL_TOKENS.green },
      { id: "ses_yellow", stage: "b", tokens: LEVEL_TOKENS.yellow },
      { id: "ses_red", stage: "c", tokens: LEVEL_TOKENS.red },
      { id: "ses_limit", stage: "d", tokens: LEVEL_TOKENS.limit },
    ]);
    const after = "after the last main-thread model call";
    expect(contextOf("ses_green")).toBe(
      [
        `- **In use:** 45% of the window: 90,000 of 200,000 tokens, ${after}`,
        "- **Level:** green, below the warning threshold",
        `- **Measured:** ${AT}`,
      ].join("\n"),
    );
    expect(contextOf("ses_yellow")).toBe(
      [
        `- **In use:** 65% of the window: 130,000 of 200,000 tokens, ${after}`,
        "- **Level:** yellow, past the warning threshold: Flux watches every tool call",
        `- **Measured:** ${AT}`,
      ].join("\n"),
    );
    expect(contextOf("ses_red")).toBe(
      [
        `- **In use:** 80% of the window: 160,000 of 200,000 tokens, ${after}`,
        "- **Level:** red, past the hand-off point: the agent is told to commit, write its handoff and stop",
        `- **Measured:** ${AT}`,
      ].join("\n"),
    );
    expect(contextOf("ses_limit")).toBe(
      [
        `- **In use:** 92% of the window: 184,000 of 200,000 tokens, ${after}`,
        "- **Level:** limit, past the hard limit: Flux stops the session and writes the handoff itself",
        `- **Measured:** ${AT}`,
      ].join("\n"),
    );
  });

  it("says so before the first figure", () => {
    write([{ id: "ses_none", stage: "a" }]);
    expect(contextOf("ses_none")).toBe("Not reported yet.");
  });

  it("reads a row without a recorded window or level with the model's window and the stage's thresholds", () => {
    write([
      { id: "ses_1m", stage: "a", telemetryTokens: 450_000, model: "claude-opus-4[1m]" },
      { id: "ses_stage", stage: "e", telemetryTokens: 90_000 },
    ]);
    expect(contextOf("ses_1m")).toBe(
      [
        "- **In use:** 45% of the window: 450,000 of 1,000,000 tokens (window assumed for the model), after the last main-thread model call",
        "- **Level:** green, below the warning threshold",
      ].join("\n"),
    );
    expect(contextOf("ses_stage")).toContain(
      "- **Level:** red, past the hand-off point: the agent is told to commit, write its handoff and stop",
    );
  });

  it("says when the agent was told to hand off", () => {
    write([{ id: "ses_red", stage: "c", tokens: LEVEL_TOKENS.red }]);
    // As the engine marks it (engine/context-report.ts).
    store.write((emit) => {
      store.db.prepare("UPDATE sessions SET handoff_asked_at = ? WHERE id = ?").run(AT, "ses_red");
      emit({
        type: "session.handoff_asked",
        planId,
        stageId: "c",
        data: { session: "ses_red", percent: 80, why: "context" },
      });
    });
    expect(contextOf("ses_red")).toMatch(
      /\n- \*\*Told to hand off:\*\* 2026-01-02T03:04:05\.000Z$/,
    );
  });

  it("follows each new figure, and a report that changes nothing shown is not written", () => {
    write([{ id: "ses_a", stage: "a", tokens: 90_000 }]);
    expect(contextOf("ses_a")).toContain("45% of the window: 90,000 of 200,000 tokens");
    const report = (tokens: number) =>
      store.write((emit) =>
        recordContext(store, emit, "ses_a", {
          tokens,
          window: 200_000,
          percent: Math.floor((tokens * 100) / 200_000),
          level: "green",
        }),
      ).result;
    // Within the same percent: no event, so nothing a projection shows may change.
    expect(report(91_000)).toBe(false);
    expect(getSession(store, "ses_a")?.contextTokens).toBe(90_000);
    expect(contextOf("ses_a")).toContain("45% of the window: 90,000 of 200,000 tokens");
    expect(report(100_000)).toBe(true);
    expect(contextOf("ses_a")).toContain("50% of the window: 100,000 of 200,000 tokens");
  });
});
