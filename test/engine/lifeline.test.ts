/**
 * Lifelines in the engine (in process: memory backend, fake clock): a session whose runner's
 * heartbeats stop is asked about after three beats, and ended as lost and flagged `hung` when
 * its process is gone — with no session-closed hook and no exit report to tell the daemon; one
 * that is alive but silent is logged once and left running.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_HEALTH } from "../../src/core/health.ts";
import type { StageSpec } from "../../src/core/plan/schema.ts";
import { sessionDir, writeExitReport } from "../../src/engine/session-files.ts";
import { getSession } from "../../src/store/sessions.ts";
import type { SessionRecord } from "../../src/store/sessions.ts";
import { engineHarness } from "./harness.ts";
import type { EngineHarness } from "./harness.ts";

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.[Symbol.asyncDispose]();
  h = undefined;
});

const BEAT = 10_000;
const HEALTH = { ...DEFAULT_HEALTH, heartbeatMs: BEAT };

/**
 * A harness whose backend stands for tmux with its session-closed hook gone: a session that
 * ends tells the engine nothing. Its log lines are kept.
 */
async function silentBackend(stages: StageSpec[]) {
  const log = logBook();
  const harness = await engineHarness(stages, {
    backend: { kind: "tmux", reportsExits: false },
    engine: { health: HEALTH, log: log.write },
  });
  return { harness, log };
}

/** The engine's log lines, and a wait on them: a silence is logged, nothing else tells. */
function logBook() {
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  return {
    lines,
    write: (line: string) => {
      lines.push(line);
      for (const waiter of [...waiters]) waiter();
    },
    /** Resolves once `check` holds, looked at again at every line logged. */
    until(check: () => boolean): Promise<void> {
      return new Promise((resolve) => {
        const attempt = () => {
          if (!check()) return;
          waiters.delete(attempt);
          resolve();
        };
        waiters.add(attempt);
        attempt();
      });
    },
  };
}

/**
 * Lets the engine's work in flight finish (the end of a start task), as real time between two
 * beats would: a session whose stage has a task in flight is not the lifeline's to end.
 */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Moves the fake clock by `ms`, a heartbeat from the session every BEAT. */
async function beatFor(harness: EngineHarness, sessionId: string, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += BEAT) {
    await settle();
    harness.clock.advance(Math.min(BEAT, ms - t));
    expect(harness.engine.sessionHeartbeat(sessionId)).toBe(true);
  }
}

const statusOf = (harness: EngineHarness | undefined, id: string) =>
  harness === undefined ? undefined : getSession(harness.store, id)?.status;
const warnings = (harness: EngineHarness, id: string) =>
  getSession(harness.store, id)?.warnings.map((w) => w.kind) ?? [];
const silences = (log: { lines: string[] }, id: string) =>
  log.lines.filter((line) => line.startsWith(`${id}: no heartbeat`));

describe("lifelines", () => {
  it("ends a session whose beats stopped and whose process is gone as lost, flagged hung, three beats after the last one", async () => {
    const { harness, log } = await silentBackend([{ id: "a", max_retries: 2 }]);
    h = harness;
    h.engine.requestRun({});
    const first = await h.launched("a");
    // Beating for two minutes: the lifeline holds, and nobody asks the backend.
    await beatFor(h, first.id, 2 * 60_000);
    expect(silences(log, first.id)).toEqual([]);
    // The runner is SIGKILLed right after a beat: no exit report, no hook, no poke.
    h.backend.exit("flux-a", null, "SIGKILL");
    h.clock.advance(3 * BEAT - 1);
    expect(getSession(h.store, first.id)?.endedAt).toBeNull();
    h.clock.advance(1);
    const retry = await h.launched("a");
    expect(retry.purpose).toBe("retry");
    expect(getSession(h.store, first.id)).toMatchObject({
      status: "lost",
      warnings: [
        {
          kind: "hung",
          action: "Flux restarted its stage with a recovery signal (retry 1 of 2)",
        },
      ],
    });
    expect(silences(log, first.id)).toEqual([
      `${first.id}: no heartbeat for 30s and its session is gone`,
    ]);
  });

  it("ends it as its runner's exit.json says when the runner wrote one but could not report", async () => {
    const { harness } = await silentBackend([{ id: "a", max_retries: 2 }]);
    h = harness;
    h.engine.requestRun({});
    const first = await h.launched("a");
    await settle();
    fs.mkdirSync(sessionDir(h.paths.work, first.id), { recursive: true });
    writeExitReport(h.paths.work, first.id, { code: 3, signal: null, at: "2026-12-01T09:00:00Z" });
    h.backend.exit("flux-a", 3);
    h.clock.advance(3 * BEAT);
    await h.launched("a");
    expect(getSession(h.store, first.id)).toMatchObject({ status: "exited", exitCode: 3 });
    expect(warnings(h, first.id)).toEqual([]);
  });

  it("leaves a session that is alive but silent running: logged once per silence, no warning", async () => {
    const { harness, log } = await silentBackend([{ id: "a" }]);
    h = harness;
    h.engine.requestRun({});
    const session = await h.launched("a");
    await settle();
    h.clock.advance(5 * 60_000);
    await log.until(() => silences(log, session.id).length > 0);
    expect(silences(log, session.id)).toEqual([
      `${session.id}: no heartbeat for 30s, but its session is alive`,
    ]);
    expect(getSession(h.store, session.id)).toMatchObject({ endedAt: null, warnings: [] });
    // Heard again, then silent again: a new silence, logged again.
    expect(h.engine.sessionHeartbeat(session.id)).toBe(true);
    h.clock.advance(3 * BEAT);
    await log.until(() => silences(log, session.id).length === 2);
    expect(getSession(h.store, session.id)?.endedAt).toBeNull();
  });

  it("is re-armed for every re-adopted session when the daemon starts", async () => {
    const { harness } = await silentBackend([{ id: "a", max_retries: 1 }]);
    h = harness;
    h.engine.requestRun({});
    const first = await h.launched("a");
    await settle();
    await h.restart();
    // The new daemon heard nothing yet: its runner has a whole lifeline to reach it.
    h.clock.advance(2 * BEAT);
    expect(h.engine.sessionHeartbeat(first.id)).toBe(true);
    h.backend.exit("flux-a", null, "SIGKILL");
    h.clock.advance(3 * BEAT);
    await h.until("ended as lost", () => statusOf(h, first.id) === "lost");
    expect(warnings(h, first.id)).toEqual(["hung"]);
  });

  it("looks at the agent's pid for a session a human started (manual), before and after a restart", async () => {
    const { harness, log } = await silentBackend([{ id: "a", max_retries: 1 }]);
    h = harness;
    h.engine.requestRun({ manual: true });
    const session = await h.until("the manual session", () => manualSession(h));
    await settle();
    // Nobody ran its command yet: there is no pid, and nothing to end.
    h.clock.advance(3 * BEAT);
    await log.until(() => silences(log, session.id).length === 1);
    const agent = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      h.engine.sessionStarted(session.id, agent.pid ?? null);
      await h.restart();
      h.clock.advance(3 * BEAT);
      await log.until(() => silences(log, session.id).length === 2);
      expect(getSession(h.store, session.id)?.endedAt).toBeNull();
    } finally {
      agent.kill("SIGKILL");
      await once(agent, "exit");
    }
    h.clock.advance(3 * BEAT);
    await h.until("ended as lost", () => statusOf(h, session.id) === "lost");
    expect(warnings(h, session.id)).toEqual(["hung"]);
  });

  it("answers a heartbeat with whether the session is still open", async () => {
    const { harness } = await silentBackend([{ id: "a" }]);
    h = harness;
    h.engine.requestRun({});
    const session = await h.launched("a");
    expect(h.engine.sessionHeartbeat(session.id)).toBe(true);
    h.engine.sessionExited(session.id, { code: 1, signal: null });
    expect(h.engine.sessionHeartbeat(session.id)).toBe(false);
    expect(() => h?.engine.sessionHeartbeat("ses_nosuch")).toThrow(
      expect.objectContaining({ code: "SESSION_NOT_FOUND" }),
    );
  });
});

function manualSession(harness: EngineHarness | undefined): SessionRecord | undefined {
  try {
    const session = harness?.session("a");
    return session?.backend === "manual" ? session : undefined;
  } catch {
    return undefined;
  }
}
