/** The runner in process: what it reports, whatever its agent leaves behind. */
import fs from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runSession } from "../../src/engine/runner.ts";
import type { RunnerReporter } from "../../src/engine/runner.ts";
import { exitFile, logFile, sessionDir, writeSpec } from "../../src/engine/session-files.ts";
import { tempDir } from "../kit/temp-repo.ts";

function setup(script: string) {
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
});
