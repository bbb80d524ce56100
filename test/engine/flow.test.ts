/**
 * Flow control in the engine (in process: memory backend, fake clock): `pause` freezes starts,
 * respawns, continuations and merges while live agents go on; `drain` starts nothing new and
 * lets the work in progress finish; the mode survives a restart.
 */
import { afterEach, describe, expect, it } from "vitest";
import { engineHarness } from "./harness.ts";
import type { EngineHarness } from "./harness.ts";

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.[Symbol.asyncDispose]();
  h = undefined;
});

/** The stage's agent commits and asks to complete; resolves with the verdict. */
async function finish(harness: EngineHarness, id: string, sessionId: string) {
  harness.commit(id, `${id}.txt`, `${id}\n`);
  return (await harness.engine.complete(id, { sessionId })).result;
}

/**
 * Resolves after the next scheduling pass once the engine says nothing more moves without a
 * human: a pass must have run, or a check made before it would prove nothing.
 */
async function settled(harness: EngineHarness) {
  await new Promise<void>((resolve) => {
    const off = harness.engine.onSettled(() => {
      off();
      resolve();
    });
  });
  return harness.until("nothing moves", () => !harness.engine.active());
}

describe("flow control", () => {
  it("pause: a live agent goes on and its completion is checked, but nothing merges or starts until resume", async () => {
    h = await engineHarness([
      { id: "a", acceptance: ["test -f a.txt"] },
      { id: "b", dependencies: ["a"] },
      { id: "c" },
    ]);
    h.engine.setFlow("paused", "human:test");
    h.engine.requestRun({});
    await settled(h);
    // Paused before anything ran: neither a nor c starts.
    expect(h.backend.launched.length).toBe(0);
    const waiting = h.engine.progress().waiting;
    expect(waiting.map((w) => [w.id, w.reason])).toEqual([
      ["a", "paused: no session starts until `flux daemon resume`"],
      ["b", null],
      ["c", "paused: no session starts until `flux daemon resume`"],
    ]);
    expect(h.engine.progress().flow).toBe("paused");

    h.engine.setFlow("running", "human:test");
    const a = await h.launched("a");
    await h.launched("c");
    h.engine.setFlow("paused", "human:test");
    expect(await finish(h, "a", a.id)).toMatchObject({ passed: true, state: "completed" });
    h.engine.sessionExited(a.id, { code: 0, signal: null });
    await h.until("a's session ended", () => h?.session("a").endedAt !== null);
    expect(h.stage("a").state).toBe("completed");
    expect(h.stage("b").state).toBe("waiting");

    h.engine.setFlow("running", "human:test");
    await h.launched("b");
    expect(h.stage("a").state).toBe("merged");
    expect(h.events.filter((e) => e.type === "flow.changed").map((e) => e.data)).toEqual([
      { mode: "paused", previous: "running", by: "human:test" },
      { mode: "running", previous: "paused", by: "human:test" },
      { mode: "paused", previous: "running", by: "human:test" },
      { mode: "running", previous: "paused", by: "human:test" },
    ]);
  });

  it("pause: a crashed session is not restarted until resume", async () => {
    h = await engineHarness([{ id: "a", max_retries: 2 }]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    h.engine.setFlow("paused", "human:test");
    h.engine.sessionExited(first.id, { code: 1, signal: null });
    await h.until("ready again", () => h?.stage("a").state === "ready");
    await settled(h);
    expect(h.backend.launched.length).toBe(1);
    h.engine.setFlow("running", "human:test");
    const second = await h.launched("a");
    expect(second.purpose).toBe("retry");
  });

  it("drain: no new stage starts, but a retry and a merge of work in progress go on", async () => {
    h = await engineHarness([
      { id: "a", acceptance: ["test -f a.txt"], max_retries: 2 },
      { id: "b", dependencies: ["a"] },
    ]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    h.engine.setFlow("draining", "human:test");
    h.engine.sessionExited(first.id, { code: 1, signal: null });
    const second = await h.launched("a"); // a retry is work in progress
    expect(await finish(h, "a", second.id)).toMatchObject({ passed: true });
    await h.until("merged", () => h?.stage("a").state === "merged");
    h.engine.sessionExited(second.id, { code: 0, signal: null });
    await settled(h);
    expect(h.stage("b").state).toBe("ready");
    expect(h.engine.progress().waiting).toMatchObject([
      { id: "b", reason: "draining: no new stage starts until `flux daemon resume`" },
    ]);
    h.engine.setFlow("running", "human:test");
    await h.launched("b");
  });

  it("the mode survives a restart", async () => {
    h = await engineHarness([{ id: "a" }]);
    h.engine.setFlow("paused", "human:test");
    await h.restart();
    h.engine.requestRun({});
    await settled(h);
    expect(h.backend.launched.length).toBe(0);
    expect(h.engine.setFlow("running", "human:test")).toEqual({
      mode: "running",
      previous: "paused",
    });
    await h.launched("a");
  });
});
