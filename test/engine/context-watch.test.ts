/**
 * The runner follows its agent's context (engine/context-watch.ts): real agent processes that
 * print an agent CLI's stream (or write Codex's rollout), a reporter that plays the daemon.
 */
import fs from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import type { ContextAnswer, ContextReportBody } from "../../src/engine/hook-events.ts";
import { runSession } from "../../src/engine/runner.ts";
import { exitFile, logFile, writeSpec } from "../../src/engine/session-files.ts";
import type { SessionSpec } from "../../src/engine/session-files.ts";
import { tempDir } from "../kit/temp-repo.ts";

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

const POLICY = { warn: 60, handoff: 75, hard: 90 };

/** opencode's step_finish with this many input tokens (200k window: 2,000 a percent). */
const step = (tokens: number) =>
  JSON.stringify({
    type: "step_finish",
    sessionID: "ses_oc",
    part: {
      type: "step-finish",
      reason: "tool-calls",
      tokens: { input: tokens, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
      cost: 0,
    },
  });

/** A node agent: prints `lines`, then says "LATER TOOL RAN" after `laterMs` unless it is ended. */
function agent(lines: string[], laterMs = 3000): string[] {
  const body = `for (const line of ${JSON.stringify(lines)}) process.stdout.write(line + "\\n");
setTimeout(() => process.stdout.write("LATER TOOL RAN\\n"), ${laterMs});`;
  return [process.execPath, "-e", body];
}

async function run(
  argv: string[],
  output: SessionSpec["output"],
  answer: (body: ContextReportBody) => Promise<ContextAnswer | undefined>,
  env: Record<string, string> = {},
) {
  const work = tempDir("flux-runner-ctx-");
  dirs.push(work);
  const id = "ses_ctx";
  writeSpec(work, {
    sessionId: id,
    stageId: "s1",
    cwd: work,
    argv,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    logFile: logFile(work, id),
    exitFile: exitFile(work, id),
    stdin: "ignore",
    output,
    context: POLICY,
    createdAt: new Date().toISOString(),
  });
  const reports: ContextReportBody[] = [];
  let exit: { code: number | null; signal: string | null } | undefined;
  const display = new PassThrough();
  let shown = "";
  display.on("data", (d: Buffer) => (shown += d.toString()));
  await runSession({
    work,
    stateDir: work,
    sessionId: id,
    display,
    reporter: {
      started: () => Promise.resolve(),
      context: (body) => {
        reports.push(body);
        return answer(body);
      },
      exited: (code, signal) => {
        exit = { code, signal };
        return Promise.resolve();
      },
    },
  });
  // What the agent printed (the log's first line holds its argv, which names the text too).
  const log = fs
    .readFileSync(logFile(work, id), "utf8")
    .split("\n")
    .filter((line) => !line.includes('"type":"start"'))
    .join("\n");
  return { reports, exit, log, shown, work };
}

const none = (percent: number): ContextAnswer => ({ percent, level: "green", action: "none" });

describe("the runner follows context", () => {
  it("reports each new figure of opencode's stream, and lets a green agent finish", async () => {
    const green = await run(
      agent([step(20_000), step(20_000), step(40_000)], 10),
      "opencode-json",
      (b) => Promise.resolve(none(b.tokens / 2000)),
    );
    expect(green.reports.map((r) => [r.tokens, r.source, r.phase])).toEqual([
      [20_000, "stream", "turn"],
      [40_000, "stream", "turn"],
    ]);
    expect(green.log).toContain("LATER TOOL RAN");
    expect(green.exit).toEqual({ code: 0, signal: null });
  });

  it("ends a Codex or opencode agent when Flux answers handoff, but not Claude, whose hooks tell it", async () => {
    const red = (b: ContextReportBody): Promise<ContextAnswer> =>
      Promise.resolve({ percent: b.tokens / 2000, level: "red", action: "handoff" });
    const opencode = await run(agent([step(160_000)]), "opencode-json", red);
    expect(opencode.exit?.signal).toBe("SIGTERM");
    expect(opencode.log).not.toContain("LATER TOOL RAN");
    expect(opencode.log).toContain('"type":"stopping"');

    const claudeLine = JSON.stringify({
      type: "assistant",
      message: {
        model: "claude-sonnet-4-5",
        usage: { input_tokens: 160_000, output_tokens: 1 },
        content: [],
      },
    });
    const claude = await run(agent([claudeLine], 10), "claude-stream-json", red);
    expect(claude.reports[0]).toMatchObject({ tokens: 160_000, source: "stream" });
    expect(claude.exit).toEqual({ code: 0, signal: null });
    expect(claude.log).toContain("LATER TOOL RAN");
  });

  it("ends the agent past the hard limit without waiting for the daemon's answer", async () => {
    const never = () => new Promise<ContextAnswer | undefined>(() => undefined);
    const t = await run(agent([step(185_000)]), "opencode-json", never);
    expect(t.exit?.signal).toBe("SIGTERM");
    expect(t.log).not.toContain("LATER TOOL RAN");
    expect(t.shown).toContain("over the 90% limit");
  });

  it("follows Codex's rollout file, which appears after thread.started", async () => {
    const home = tempDir("flux-codex-home-");
    dirs.push(home);
    const rollout = path.join(
      home,
      "sessions",
      "2026",
      "12",
      "05",
      "rollout-2026-12-05T00-00-00-th_1.jsonl",
    );
    const count = (tokens: number) =>
      JSON.stringify({
        type: "event_msg",
        payload: {
          type: "token_count",
          info: {
            total_token_usage: { input_tokens: tokens },
            last_token_usage: { input_tokens: tokens, output_tokens: 0 },
            model_context_window: 200000,
          },
        },
      });
    const body = `const fs = require("node:fs");
console.log(JSON.stringify({ type: "thread.started", thread_id: "th_1" }));
setTimeout(() => {
  fs.mkdirSync(${JSON.stringify(path.dirname(rollout))}, { recursive: true });
  fs.writeFileSync(${JSON.stringify(rollout)}, ${JSON.stringify(`${count(30_000)}\n`)});
  setTimeout(() => fs.appendFileSync(${JSON.stringify(rollout)}, ${JSON.stringify(`${count(170_000)}\n`)}), 200);
}, 200);
setTimeout(() => console.log("LATER TOOL RAN"), 5000);`;
    const t = await run(
      [process.execPath, "-e", body],
      "codex-json",
      (b) =>
        Promise.resolve(
          b.tokens >= 150_000 ? { percent: 85, level: "red", action: "handoff" } : none(15),
        ),
      { CODEX_HOME: home },
    );
    expect(t.reports.map((r) => [r.tokens, r.window, r.source])).toEqual([
      [30_000, 200_000, "rollout"],
      [170_000, 200_000, "rollout"],
    ]);
    expect(t.exit?.signal).toBe("SIGTERM");
    expect(t.log).not.toContain("LATER TOOL RAN");
  });
});
