/** The runner in process: what it reports (heartbeats too), whatever its agent leaves behind. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runSession } from "../../src/engine/runner.ts";
import type { RunnerReporter } from "../../src/engine/runner.ts";
import type { SessionSpec } from "../../src/engine/session-files.ts";
import { exitFile, logFile, sessionDir, writeSpec } from "../../src/engine/session-files.ts";
import { tempDir } from "../kit/temp-repo.ts";

function setup(script: string, extra: Partial<SessionSpec> = {}) {
  const work = tempDir("flux-runner-");
  const id = "ses_test";
  writeSpec(work, {
    sessionId: id,
    stageId: "s1",
    cwd: work,
    argv: ["sh", "-c", script],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", SESSION_DIR: sessionDir(work, id) },
    logFile: logFile(work, id),
    exitFile: exitFile(work, id),
    stdin: "ignore",
    output: "text",
    createdAt: new Date().toISOString(),
    ...extra,
  });
  const exits: (number | null)[] = [];
  const reporter: RunnerReporter = {
    started: () => Promise.resolve(),
    exited: (code) => {
      exits.push(code);
      return Promise.resolve();
    },
  };
  let shown = "";
  const display = new PassThrough().on("data", (d: Buffer) => (shown += d.toString()));
  return { work, id, exits, reporter, display, shown: () => shown };
}

describe("runner", () => {
  it("reports the exit even when its session directory is gone", async () => {
    const t = setup('rm -rf "$SESSION_DIR"; exit 3');
    const code = await runSession({
      work: t.work,
      stateDir: t.work,
      sessionId: t.id,
      reporter: t.reporter,
      display: t.display,
    });
    expect(code).toBe(3);
    expect(t.exits).toEqual([3]);
    expect(t.shown()).toContain("[flux] could not write exit.json");
  });

  it("is done soon after its agent, even when a process the agent left holds its output", async () => {
    const t = setup('sleep 30 & echo $! > "$SESSION_DIR/left"; echo started; exit 0');
    const started = Date.now();
    const code = await runSession({
      work: t.work,
      stateDir: t.work,
      sessionId: t.id,
      reporter: t.reporter,
      display: t.display,
    });
    expect(code).toBe(0);
    expect(t.exits).toEqual([0]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(JSON.parse(fs.readFileSync(exitFile(t.work, t.id), "utf8"))).toMatchObject({ code: 0 });
    expect(fs.readFileSync(path.join(t.work, "logs", `${t.id}.ndjson`), "utf8")).toContain(
      "started",
    );
    process.kill(Number(fs.readFileSync(path.join(sessionDir(t.work, t.id), "left"), "utf8")));
  });

  it("beats every heartbeatMs while its agent runs, one beat at a time, a failed one ignored, and stops when the agent exits", async () => {
    const every = 20;
    const t = setup('read go < "$SESSION_DIR/go"; exit 0', { heartbeatMs: every });
    const go = path.join(sessionDir(t.work, t.id), "go");
    fs.mkdirSync(path.dirname(go), { recursive: true });
    execFileSync("mkfifo", [go]);
    const calls: string[] = [];
    let inFlight = 0;
    let most = 0;
    const beats = new Waiters();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const reporter: RunnerReporter = {
      ...t.reporter,
      heartbeat: async () => {
        calls.push("beat");
        inFlight += 1;
        most = Math.max(most, inFlight);
        const n = calls.filter((c) => c === "beat").length;
        beats.poke();
        try {
          if (n === 1) throw new Error("the daemon is restarting");
          if (n === 2) await held;
        } finally {
          inFlight -= 1;
        }
      },
      exited: async (...args) => {
        calls.push("exited");
        await t.reporter.exited(...args);
      },
    };
    const run = runSession({
      work: t.work,
      stateDir: t.work,
      sessionId: t.id,
      reporter,
      display: t.display,
    });
    const beatCount = () => calls.filter((c) => c === "beat").length;
    // The second beat hangs (a daemon that does not answer): no other starts meanwhile.
    await beats.until(() => beatCount() === 2);
    await quiet(5 * every);
    expect(beatCount()).toBe(2);
    release();
    await beats.until(() => beatCount() === 3);
    await fs.promises.writeFile(go, "go\n");
    expect(await run).toBe(0);
    const atExit = beatCount();
    await quiet(5 * every);
    expect(beatCount()).toBe(atExit);
    expect(calls.at(-1)).toBe("exited");
    expect(most).toBe(1);
    expect(t.exits).toEqual([0]);
  });

  it("sends no beat for a spec from before heartbeats", async () => {
    const t = setup("exit 0");
    let beats = 0;
    const reporter: RunnerReporter = {
      ...t.reporter,
      heartbeat: () => {
        beats += 1;
        return Promise.resolve();
      },
    };
    const run = { work: t.work, stateDir: t.work, sessionId: t.id, display: t.display };
    expect(await runSession({ ...run, reporter })).toBe(0);
    expect(beats).toBe(0);
  });
});

/** An absence can only be watched for a while: this long, in real ms. */
function quiet(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits re-checked at every poke. */
class Waiters {
  private readonly waiting = new Set<() => void>();

  poke(): void {
    for (const attempt of [...this.waiting]) attempt();
  }

  until(check: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const attempt = () => {
        if (!check()) return;
        this.waiting.delete(attempt);
        resolve();
      };
      this.waiting.add(attempt);
      attempt();
    });
  }
}
