/**
 * Health warnings and the machine's floors in the engine (in process: memory backend, fake
 * clock, a fake reading of the machine): each warning raised once with what Flux did, cleared
 * when it no longer holds, re-armed after a restart; no session starts while the machine is
 * short of memory.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { MachineReading } from "../../src/core/health.ts";
import { DEFAULT_HEALTH } from "../../src/core/health.ts";
import { markWaiting } from "../../src/store/session-input.ts";
import { getSession } from "../../src/store/sessions.ts";
import { engineHarness } from "./harness.ts";
import type { EngineHarness } from "./harness.ts";

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.[Symbol.asyncDispose]();
  h = undefined;
});

const MINUTE = 60_000;
const warningsOf = (harness: EngineHarness, id: string) =>
  getSession(harness.store, id)?.warnings.map((w) => w.kind) ?? [];

describe("health warnings", () => {
  it("flags a session that runs past [health] long_running, saying what bounds it", async () => {
    h = await engineHarness([{ id: "a", timeout: "2h" }]);
    h.engine.requestRun({});
    const session = await h.launched("a");
    h.clock.advance(59 * MINUTE);
    expect(warningsOf(h, session.id)).not.toContain("long_running");
    h.clock.advance(MINUTE);
    expect(getSession(h.store, session.id)?.warnings).toContainEqual(
      expect.objectContaining({
        kind: "long_running",
        detail: "running for 1h",
        action: "none yet: the stage's timeout stops it after 2h",
      }),
    );
  });

  it("flags a silent session as stalled, clears it when it speaks again, and does not flag one waiting for a human", async () => {
    h = await engineHarness([{ id: "a" }, { id: "b" }]);
    h.engine.requestRun({});
    const a = await h.launched("a");
    const b = await h.launched("b");
    const store = h.store;
    store.write((emit) => markWaiting(store, emit, b.id, "permission prompt"));
    h.clock.advance(10 * MINUTE);
    expect(warningsOf(h, a.id)).toEqual(["stalled"]);
    expect(warningsOf(h, b.id)).toEqual([]);
    const stalled = getSession(h.store, a.id)?.warnings[0];
    expect(stalled?.action).toBe(
      `none yet: \`flux attach a\` to look, \`flux sessions kill ${a.id}\` to stop it`,
    );
    // A model call: it is alive.
    h.engine.context(a.id, { tokens: 1_000, source: "stream", turns: 3 });
    expect(warningsOf(h, a.id)).toEqual([]);
    expect(h.events.some((e) => e.type === "session.warning_cleared")).toBe(true);
    // Silent again for a whole period: flagged again.
    h.clock.advance(10 * MINUTE);
    expect(warningsOf(h, a.id)).toEqual(["stalled"]);
  });

  it("re-arms after a restart from the store: a session silent across it is still flagged", async () => {
    h = await engineHarness([{ id: "a" }], { backend: { kind: "tmux" } });
    h.engine.requestRun({});
    const session = await h.launched("a");
    h.clock.advance(6 * MINUTE);
    await h.restart();
    h.clock.advance(4 * MINUTE);
    expect(warningsOf(h, session.id)).toEqual(["stalled"]);
  });

  it("flags a session past [health] many_turns percent of max_turns", async () => {
    h = await engineHarness([{ id: "a", max_turns: 10 }]);
    h.engine.requestRun({});
    const session = await h.launched("a");
    h.engine.context(session.id, { tokens: 1_000, source: "stream", turns: 7 });
    expect(warningsOf(h, session.id)).toEqual([]);
    h.engine.context(session.id, { tokens: 2_000, source: "stream", turns: 8 });
    expect(getSession(h.store, session.id)?.warnings).toMatchObject([
      { kind: "many_turns", detail: "turn 8 of max_turns 10" },
    ]);
  });

  it("flags a session whose process vanished as hung, with the restart Flux made", async () => {
    h = await engineHarness([{ id: "a", max_retries: 2 }]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    h.backend.exit("flux-a", null, "SIGKILL"); // the runner killed: no report comes
    await h.until("the report grace timer", () => h?.clock.dueWithin(3_000) === 1);
    h.clock.advance(3_000);
    await h.launched("a");
    expect(getSession(h.store, first.id)?.warnings).toMatchObject([
      {
        kind: "hung",
        action: "Flux restarted its stage with a recovery signal (retry 1 of 2)",
      },
    ]);
  });
});

describe("the machine's floors", () => {
  it("starts no session while free memory is below [health] min_free_memory, and starts it once there is room", async () => {
    let reading: MachineReading = { freeMemory: 100 * 1024 * 1024, load1: 0.1, cpus: 2 };
    h = await engineHarness([{ id: "a" }], {
      engine: { health: DEFAULT_HEALTH, machine: () => reading },
    });
    h.engine.requestRun({});
    await h.until("told", () =>
      h?.events.some(
        (e) =>
          e.type === "run.notice" &&
          e.data.text ===
            "new sessions wait: free memory 100 MiB is below [health] min_free_memory 256 MiB",
      ),
    );
    expect(h.backend.launched.length).toBe(0);
    expect(h.engine.active()).toBe(true); // it will start: the daemon does not idle-exit
    reading = { ...reading, freeMemory: 4 * 1024 ** 3 };
    h.clock.advance(15_000);
    await h.launched("a");
  });

  it("a load ceiling, when set, holds new sessions too", async () => {
    h = await engineHarness([{ id: "a" }], {
      engine: {
        health: { ...DEFAULT_HEALTH, maxLoad: 1.5 },
        machine: () => ({ freeMemory: 4 * 1024 ** 3, load1: 8, cpus: 2 }),
      },
    });
    h.engine.requestRun({});
    await h.until("told", () =>
      h?.events.some(
        (e) =>
          e.type === "run.notice" &&
          e.data.text ===
            "new sessions wait: the load per core 4.00 is above [health] max_load 1.5",
      ),
    );
    expect(h.backend.launched.length).toBe(0);
  });
});
