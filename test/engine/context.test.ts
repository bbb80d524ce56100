/**
 * Context and handoffs in process (DESIGN.md §4): a real repository, store and Engine, the
 * in-memory backend (the test plays each session's runner and hooks) and a fake clock.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Handoff } from "../../src/core/handoff/types.ts";
import { stablePrefix } from "../../src/core/signal/render.ts";
import { signalFile } from "../../src/engine/session-files.ts";
import { listHandoffs } from "../../src/store/handoffs.ts";
import { getSession } from "../../src/store/sessions.ts";
import { engineHarness, rejection } from "./harness.ts";
import type { EngineHarness } from "./harness.ts";

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.[Symbol.asyncDispose]();
  h = undefined;
});

const HANDOFF: Handoff = {
  summary: "Half of the parser is written; the lexer is done.",
  completed: ["the lexer (src/lexer.ts)"],
  remaining: [{ task: "parse expressions", refs: ["src/parser.ts:12"] }],
  decisions: ["hand-written recursive descent: the grammar is small"],
  questions: [],
};

/** 200k window (the default): tokens for a percentage. */
const at = (percent: number) => percent * 2_000;

function signalOf(harness: EngineHarness, sessionId: string): string {
  return fs.readFileSync(signalFile(harness.paths.work, sessionId), "utf8");
}

describe("context levels and the handoff", () => {
  it("tells the agent at red; its handoff moves the stage, and the continuation's signal embeds it", async () => {
    h = await engineHarness([{ id: "a", acceptance: ["test -f a.txt"] }]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    expect(h.engine.context(first.id, { tokens: at(50), source: "stream" })).toEqual({
      percent: 50,
      level: "green",
      action: "none",
    });
    expect(h.engine.context(first.id, { tokens: at(65), source: "stream" }).level).toBe("yellow");
    const red = h.engine.context(first.id, { tokens: at(76), source: "stream" });
    expect(red).toMatchObject({ percent: 76, level: "red", action: "handoff" });
    expect(red.instruction).toContain('"$FLUX_BIN" handoff create');
    expect(getSession(h.store, first.id)).toMatchObject({
      contextTokens: at(76),
      contextWindow: 200_000,
      contextLevel: "red",
    });
    expect(getSession(h.store, first.id)?.handoffAskedAt).not.toBeNull();
    // The marker that makes Claude's context gate call Flux on every tool call from now on.
    expect(fs.existsSync(path.join(h.paths.work, "sessions", first.id, "context-watch"))).toBe(
      true,
    );

    h.commit("a", "lexer.txt", "lexer\n");
    const record = await h.engine.createHandoff("a", { handoff: HANDOFF, sessionId: first.id });
    expect(record).toMatchObject({ number: 1, author: "agent", reason: "context" });
    expect(record.facts.commits[0]).toMatch(/^[0-9a-f]{8} /);
    expect(record.facts.context).toEqual({ tokens: at(76), window: 200_000, percent: 76 });
    expect(h.stage("a").state).toBe("needs_handoff");
    // Anything the session reports now is told to stop.
    expect(h.engine.context(first.id, { tokens: at(77), source: "stream" }).action).toBe("stop");

    // The agent ends its turn and exits; the continuation starts.
    h.engine.sessionExited(first.id, { code: 0, signal: null });
    const second = await h.launched("a");
    expect(second.purpose).toBe("handoff");
    expect(h.stage("a")).toMatchObject({ state: "running", retries: 0 });
    const signal = signalOf(h, second.id);
    expect(signal).toContain("## Continue from the handoff");
    expect(signal).toContain(HANDOFF.summary);
    expect(signal).toContain("src/parser.ts:12");
    // Prompt economy: the text before the volatile parts is byte-identical across sessions.
    const prefix = stablePrefix(signalOf(h, first.id));
    expect(stablePrefix(signal)).toBe(prefix);
    expect(signal.startsWith(prefix)).toBe(true);
    expect(prefix.length / signal.length).toBeGreaterThan(0.4);
    expect(
      fs.readFileSync(path.join(h.paths.work, "handoffs", "a-handoff-001.md"), "utf8"),
    ).toContain(HANDOFF.summary);

    // The continuation finishes the stage.
    h.commit("a", "a.txt", "a\n");
    const { result } = await h.engine.complete("a", { sessionId: second.id });
    expect(await result).toMatchObject({ passed: true });
  });

  it("stops a session past the hard limit and writes the handoff itself, committing what was left", async () => {
    h = await engineHarness([{ id: "a" }]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    h.commit("a", "done.txt", "done\n");
    const worktree = path.join(h.repo.dir, ".worktrees", "a");
    fs.writeFileSync(path.join(worktree, "half.txt"), "half\n");
    const answer = h.engine.context(first.id, { tokens: at(95), source: "stream" });
    expect(answer).toMatchObject({ percent: 95, level: "limit", action: "stop" });
    expect(h.stage("a").state).toBe("needs_handoff");
    // The session had no pid to signal: Flux ends its backend session at once.
    h.clock.advance(0);
    const second = await h.launched("a");
    expect(second.purpose).toBe("handoff");
    const [handoff] = listHandoffs(h.store, h.store.activePlan()?.id ?? 0, "a");
    expect(handoff).toMatchObject({ author: "flux", reason: "limit", sessionId: first.id });
    expect(handoff?.facts.uncommittedFiles).toEqual(["half.txt"]);
    expect(handoff?.facts.wipCommit).toMatch(/^[0-9a-f]{8}$/);
    expect(h.repo.git("show", `${handoff?.facts.wipCommit ?? ""}:half.txt`)).toBe("half\n");
    const signal = signalOf(h, second.id);
    expect(signal).toContain("Flux wrote this handoff");
    expect(signal).toContain("a: done.txt");
  });

  it("gives the backstop to an agent that makes too many tool calls after being told", async () => {
    h = await engineHarness([{ id: "a" }]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    expect(
      h.engine.context(first.id, { tokens: at(80), source: "hook", phase: "post-tool" }).action,
    ).toBe("handoff");
    for (let step = 2; step <= 10; step++) {
      expect(
        h.engine.context(first.id, { tokens: at(80), source: "hook", phase: "post-tool" }).action,
      ).toBe("handoff");
    }
    expect(
      h.engine.context(first.id, { tokens: at(80), source: "hook", phase: "post-tool" }).action,
    ).toBe("stop");
    expect(h.stage("a").reason).toMatch(/made 10 more tool calls/);
    h.clock.advance(0);
    const second = await h.launched("a");
    const [handoff] = listHandoffs(h.store, h.store.activePlan()?.id ?? 0, "a");
    expect(handoff).toMatchObject({ author: "flux", reason: "ignored" });
    expect(second.purpose).toBe("handoff");
  });

  it("gives the backstop when the time to hand off runs out, and to a session that ends without one", async () => {
    h = await engineHarness([{ id: "a" }, { id: "b" }]);
    h.engine.requestRun({});
    const a = await h.launched("a");
    const b = await h.launched("b");
    h.engine.context(a.id, { tokens: at(76), source: "stream" });
    h.engine.context(b.id, { tokens: at(76), source: "stream" });
    h.clock.advance(5 * 60_000 - 1);
    expect(h.stage("a").state).toBe("running");
    // b ends its turn without the handoff (or its runner ended it at red: Codex, opencode).
    h.engine.sessionExited(b.id, { code: 0, signal: null });
    expect((await h.launched("b")).purpose).toBe("handoff");
    h.clock.advance(1);
    expect((await h.launched("a")).purpose).toBe("handoff");
    expect(h.stage("a").reason).toBe(null);
  });

  it("finishes a handoff after a restart: the stage waits in needs_handoff, nothing is lost", async () => {
    h = await engineHarness([{ id: "a" }]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    h.commit("a", "one.txt", "1\n");
    h.engine.context(first.id, { tokens: at(76), source: "stream" });
    await h.engine.createHandoff("a", { handoff: HANDOFF, sessionId: first.id });
    // The daemon dies before the session has ended: the new one gives it its time to exit,
    // ends it, and continues from the handoff it has.
    await h.restart();
    await h.until("the handoff-exit timer", () => h?.clock.dueWithin(3_000) !== 0);
    h.clock.advance(3_000);
    const second = await h.launched("a");
    expect(second.purpose).toBe("handoff");
    expect(listHandoffs(h.store, h.store.activePlan()?.id ?? 0, "a")).toHaveLength(1);
  });

  it("blocks a stage whose sessions hand off three times in a row without a new commit", async () => {
    h = await engineHarness([{ id: "a" }]);
    h.engine.requestRun({});
    let session = await h.launched("a");
    h.commit("a", "one.txt", "1\n");
    for (let round = 1; round <= 3; round++) {
      h.engine.context(session.id, { tokens: at(80), source: "stream" });
      h.engine.sessionExited(session.id, { code: 0, signal: null });
      if (round === 3) break;
      session = await h.launched("a");
    }
    await h.until("blocked", () => h?.stage("a").state === "blocked");
    expect(h.stage("a").reason).toMatch(/3 sessions in a row handed off without a new commit/);
    // `flux resume` continues by hand, from the latest handoff.
    h.engine.resume("a");
    const resumed = await h.launched("a");
    expect(resumed.purpose).toBe("resume");
    expect(signalOf(h, resumed.id)).toContain("## Continue from the handoff");
    expect(signalOf(h, resumed.id)).toContain("Handoff 003");
  });

  it("blocks the first compaction with a demand for a handoff, and lets the next one through", async () => {
    h = await engineHarness([{ id: "a" }]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    const blocked = h.engine.hook(first.id, { event: "pre-compact" });
    expect(blocked).toMatchObject({ decision: "block" });
    expect(blocked.decision === "block" ? blocked.reason : "").toContain("handoff create");
    expect(getSession(h.store, first.id)?.handoffAskedAt).not.toBeNull();
    expect(h.engine.hook(first.id, { event: "pre-compact" })).toEqual({ decision: "none" });
    // Its Stop hook now asks for the handoff rather than the completion.
    const stop = h.engine.hook(first.id, { event: "stop" });
    expect(stop.decision === "continue" ? stop.reason : "").toContain("Hand off now");
  });

  it("refuses a handoff for a stage that is not running", async () => {
    h = await engineHarness([{ id: "a" }, { id: "b", dependencies: ["a"] }]);
    h.engine.requestRun({});
    await h.launched("a");
    const error = await rejection(h.engine.createHandoff("b", { handoff: HANDOFF }));
    expect(error.code).toBe("HANDOFF_REFUSED");
  });

  it("uses the stage's own thresholds and window", async () => {
    h = await engineHarness([{ id: "a", context: { window: 100_000, handoff: 50, hard: 70 } }]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    expect(h.engine.context(first.id, { tokens: 40_000, source: "stream" }).level).toBe("green");
    expect(h.engine.context(first.id, { tokens: 55_000, source: "stream" })).toMatchObject({
      percent: 55,
      level: "red",
    });
    // A window the CLI reports wins over the configured one.
    expect(
      h.engine.context(first.id, { tokens: 55_000, window: 1_000_000, source: "stream" }).percent,
    ).toBe(5);
  });
});
