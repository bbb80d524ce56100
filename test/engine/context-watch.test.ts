/**
 * The runner follows its agent's context (engine/context-watch.ts): real agent processes that
 * print an agent CLI's stream (or write Codex's rollout), a reporter that plays the daemon.
 */
import { spawn } from "node:child_process";
import { createHook } from "node:async_hooks";
import fs from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ContextAnswer, ContextReportBody } from "../../src/engine/hook-events.ts";
import { runSession } from "../../src/engine/runner.ts";
import type { RunnerReporter } from "../../src/engine/runner.ts";
import { exitFile, logFile, writeSpec } from "../../src/engine/session-files.ts";
import type { SessionSpec } from "../../src/engine/session-files.ts";
import { tempDir } from "../kit/temp-repo.ts";
import { waitFor } from "../kit/tmux.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const POLICY = { warn: 60, handoff: 75, hard: 90 };
/** The day the runner is told it is: Codex's rollout of a thread begun then is under it. */
const NOW = new Date("2026-12-05T12:00:00Z");
const ID = "ses_ctx";

// ---------------------------------------------------------------------------------------------
// Agent CLI output (reference samples), 2,000 tokens a percent of a 200k window.

/** opencode's step_finish with this many input tokens. */
const step = (tokens: number) =>
  JSON.stringify({
    type: "step_finish",
    sessionID: "ses_oc",
    part: {
      type: "step-finish",
      reason: "tool-calls",
      tokens: {
        total: tokens,
        input: tokens,
        output: 0,
        reasoning: 0,
        cache: { read: 0, write: 0 },
      },
      cost: 0,
    },
  });

const claudeInit = JSON.stringify({
  type: "system",
  subtype: "init",
  session_id: "263de562",
  model: "claude-sonnet-4-5",
  permissionMode: "bypassPermissions",
});

/** One content block of a Claude message whose request held `tokens` (cache read mostly). */
const claude = (message: string, tokens: number, block: "text" | "tool_use" = "text") =>
  JSON.stringify({
    type: "assistant",
    message: {
      id: message,
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content:
        block === "text"
          ? [{ type: "text", text: "Working." }]
          : [{ type: "tool_use", id: `toolu_${message}`, name: "Bash", input: { command: "ls" } }],
      usage: {
        input_tokens: 3,
        cache_creation_input_tokens: 997,
        cache_read_input_tokens: tokens - 1000,
        output_tokens: 1,
      },
    },
    parent_tool_use_id: null,
    session_id: "263de562",
  });

const toolResult = JSON.stringify({
  type: "user",
  message: {
    role: "user",
    content: [{ tool_use_id: "toolu_m1", type: "tool_result", content: "ok" }],
  },
  parent_tool_use_id: null,
});

/** A Codex rollout line: the usage of the last request and the model's window. */
const tokenCount = (tokens: number) =>
  JSON.stringify({
    type: "event_msg",
    payload: {
      type: "token_count",
      info: {
        total_token_usage: { input_tokens: tokens, output_tokens: 10 },
        last_token_usage: { input_tokens: tokens - 10, cached_input_tokens: 0, output_tokens: 10 },
        model_context_window: 200_000,
      },
    },
  });
const turnContext = JSON.stringify({ type: "turn_context", payload: { model: "gpt-5-codex" } });

// ---------------------------------------------------------------------------------------------
// Agents: node scripts.

/** A line to print, then wait until the session's log holds `records` context records. */
type Step = string | { line: string; records: number };

/**
 * Prints its steps — MARK prints the time — then "TOOL RAN" after `laterMs` (its next tool
 * call) unless it is ended; says when it gets SIGTERM (then ends, unless `ignoreTerm`). Waiting
 * for the runner's record of a figure before the next one keeps figures from being coalesced.
 */
function agent(steps: Step[], laterMs: number, opts: { ignoreTerm?: boolean } = {}): string[] {
  const body = `const fs = require("node:fs");
const say = (text) => process.stdout.write(text + "\\n");
const now = () => (performance.timeOrigin + performance.now()).toFixed(1);
process.on("SIGTERM", () => {
  say("GOT SIGTERM at " + now());
  if (${opts.ignoreTerm === true ? "false" : "true"}) process.exit(143);
});
const records = () => {
  try {
    return (fs.readFileSync(process.env.CTX_LOG, "utf8").match(/"type":"context"/g) || []).length;
  } catch {
    return 0;
  }
};
const steps = ${JSON.stringify(steps)};
let i = 0;
const next = () => {
  while (i < steps.length) {
    const step = steps[i++];
    if (step === "MARK") say("MARK at " + now());
    else if (typeof step === "string") say(step);
    else {
      say(step.line);
      const wait = setInterval(() => {
        if (records() < step.records) return;
        clearInterval(wait);
        next();
      }, 5);
      return;
    }
  }
  setTimeout(() => say("TOOL RAN"), ${laterMs});
};
next();`;
  return [process.execPath, "-e", body];
}

/** Each figure waits for the runner's record of it before the next. */
const paced = (lines: string[]): Step[] => lines.map((line, n) => ({ line, records: n + 1 }));

// ---------------------------------------------------------------------------------------------
// The runner with a reporter that plays the daemon.

interface Run {
  reports: ContextReportBody[];
  exit: { code: number | null; signal: string | null } | undefined;
  /** What the agent printed. */
  stdout: string;
  /** The session log's events of a type. */
  events: (type: string) => Record<string, unknown>[];
  shown: string;
  work: string;
}

interface RunOptions {
  output: SessionSpec["output"];
  answer?: (body: ContextReportBody, seen: Run) => Promise<ContextAnswer | undefined>;
  env?: Record<string, string>;
  context?: SessionSpec["context"] | null;
  /** Called with each pane write. */
  onShow?: (shown: string) => void;
  killAfterMs?: number;
  work?: string;
}

function specFor(work: string, argv: string[], o: RunOptions): SessionSpec {
  return {
    sessionId: ID,
    stageId: "s1",
    cwd: work,
    argv,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CTX_LOG: logFile(work, ID), ...o.env },
    logFile: logFile(work, ID),
    exitFile: exitFile(work, ID),
    stdin: "ignore",
    output: o.output,
    ...(o.context === null ? {} : { context: o.context ?? POLICY }),
    createdAt: NOW.toISOString(),
  };
}

function logEvents(work: string): Record<string, unknown>[] {
  return fs
    .readFileSync(logFile(work, ID), "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function run(argv: string[], o: RunOptions): Promise<Run> {
  const work = o.work ?? tempDir("flux-ctxw-");
  writeSpec(work, specFor(work, argv, o));
  const seen: Run = {
    reports: [],
    exit: undefined,
    get stdout() {
      return logEvents(work)
        .filter((e) => e.type === "output" && e.stream === "stdout")
        .map((e) => String(e.text))
        .join("");
    },
    events: (type) => logEvents(work).filter((e) => e.type === type),
    shown: "",
    work,
  };
  const display = new PassThrough();
  display.on("data", (d: Buffer) => {
    seen.shown += d.toString();
    o.onShow?.(seen.shown);
  });
  const answer = o.answer ?? ((b) => Promise.resolve(green(b)));
  const reporter: RunnerReporter = {
    started: () => Promise.resolve(),
    context: (body) => {
      seen.reports.push(body);
      return answer(body, seen);
    },
    exited: (code, signal) => {
      seen.exit = { code, signal };
      return Promise.resolve();
    },
  };
  await runSession({
    work,
    stateDir: work,
    sessionId: ID,
    display,
    reporter,
    now: () => NOW,
    ...(o.killAfterMs === undefined ? {} : { killAfterMs: o.killAfterMs }),
  });
  return seen;
}

const percentOf = (b: ContextReportBody) => Math.floor((b.tokens * 100) / (b.window ?? 200_000));
const green = (b: ContextReportBody): ContextAnswer => ({
  percent: percentOf(b),
  level: "green",
  action: "none",
});
const answering =
  (action: ContextAnswer["action"], level: ContextAnswer["level"]) =>
  (b: ContextReportBody): Promise<ContextAnswer> =>
    Promise.resolve({ percent: percentOf(b), level, action });

/** What the agent printed when it got SIGTERM and when it printed MARK, ms since the epoch. */
function times(stdout: string): { mark: number; term: number } {
  const at = (what: string) => Number(new RegExp(`${what} at ([\\d.]+)`).exec(stdout)?.[1]);
  return { mark: at("MARK"), term: at("GOT SIGTERM") };
}

/** FSWatcher handles open in this process (async_hooks sees unref'd ones too). */
function watcherCount() {
  const open = new Set<number>();
  const waiters: (() => void)[] = [];
  const hook = createHook({
    init(id, type) {
      if (type === "FSEVENTWRAP") open.add(id);
    },
    destroy(id) {
      if (!open.delete(id) || open.size > 0) return;
      for (const wake of waiters.splice(0)) wake();
    },
  }).enable();
  return {
    max: () => open.size,
    /** Resolves once every watcher opened since has been closed. */
    allClosed: () =>
      open.size === 0 ? Promise.resolve() : new Promise<void>((wake) => waiters.push(wake)),
    [Symbol.dispose]: () => hook.disable(),
  };
}

// ---------------------------------------------------------------------------------------------

describe("the runner follows context from the stream", () => {
  it("reports Claude's figure after each model call, once per change, and lets a green agent finish", async () => {
    const t = await run(
      agent(
        [
          claudeInit,
          { line: claude("m1", 20_000), records: 1 },
          claude("m1", 20_000, "tool_use"), // the same message's next block: no new figure
          toolResult,
          { line: claude("m2", 40_000), records: 2 },
          claude("m3", 40_000), // a new message, the same figure: nothing to say
          { line: claude("m4", 124_000), records: 3 },
        ],
        20,
      ),
      { output: "claude-stream-json" },
    );
    expect(t.reports).toEqual([
      // Claude counts its turns only at the end: the reports count the model calls seen.
      { tokens: 20_000, model: "claude-sonnet-4-5", source: "stream", phase: "turn", turns: 1 },
      { tokens: 40_000, model: "claude-sonnet-4-5", source: "stream", phase: "turn", turns: 2 },
      { tokens: 124_000, model: "claude-sonnet-4-5", source: "stream", phase: "turn", turns: 3 },
    ]);
    expect(t.events("context").map(({ t: _, ...e }) => e)).toEqual([
      {
        type: "context",
        tokens: 20_000,
        window: 200_000,
        percent: 10,
        level: "green",
        action: "none",
      },
      {
        type: "context",
        tokens: 40_000,
        window: 200_000,
        percent: 20,
        level: "green",
        action: "none",
      },
      {
        type: "context",
        tokens: 124_000,
        window: 200_000,
        percent: 62,
        level: "green",
        action: "none",
      },
    ]);
    // One pane line per level: the answer says green throughout.
    expect(t.shown.match(/\[flux\] context/g)).toHaveLength(1);
    expect(t.shown).toContain("[flux] context 10% (green)");
    expect(t.stdout).toContain("TOOL RAN");
    expect(t.exit).toEqual({ code: 0, signal: null });
  });

  it("reports opencode's step_finish figures, and shows a line when the level changes", async () => {
    const lines = [step(20_000), step(124_000), step(130_000)];
    const [first, ...rest] = paced(lines);
    const t = await run(agent([first ?? "", step(20_000), ...rest], 20), {
      output: "opencode-json",
      answer: (b) =>
        Promise.resolve({
          percent: percentOf(b),
          level: percentOf(b) >= 60 ? "yellow" : "green",
          action: "none",
        }),
    });
    expect(t.reports.map((r) => [r.tokens, r.source, r.phase])).toEqual([
      [20_000, "stream", "turn"],
      [124_000, "stream", "turn"],
      [130_000, "stream", "turn"],
    ]);
    expect(t.shown).toContain("[flux] context 10% (green)");
    expect(t.shown).toContain("[flux] context 62% (yellow)");
    expect(t.shown).not.toContain("65%");
    expect(t.exit).toEqual({ code: 0, signal: null });
  });

  it("has one report in flight; while it is, only the newest figure waits", async () => {
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inFlight = 0;
    let most = 0;
    const t = await run(
      agent([step(20_000), step(30_000), step(40_000), step(50_000), "ALL PRINTED"], 20),
      {
        output: "opencode-json",
        // The first answer comes only once the agent has printed every figure.
        onShow: (shown) => shown.includes("ALL PRINTED") && release?.(),
        answer: async (b) => {
          most = Math.max(most, ++inFlight);
          if (b.tokens === 20_000) await held;
          inFlight--;
          return green(b);
        },
      },
    );
    expect(t.reports.map((r) => r.tokens)).toEqual([20_000, 50_000]);
    expect(most).toBe(1);
    expect(t.exit).toEqual({ code: 0, signal: null });
  });
});

describe("the runner ends the agent", () => {
  it("past the hard limit at once, before it reports and whatever the daemon answers", async () => {
    for (const output of ["opencode-json", "claude-stream-json"] as const) {
      const lines =
        output === "opencode-json"
          ? [...paced([step(20_000)]), "MARK", step(185_000)]
          : [
              claudeInit,
              ...paced([claude("m1", 20_000)]),
              "MARK",
              claude("m2", 185_000, "tool_use"),
            ];
      let stoppedBeforeReport: boolean | undefined;
      const t = await run(agent(lines, 3_000), {
        output,
        // A daemon that sees nothing wrong: the runner's own check decides.
        answer: (b, seen) => {
          if (b.tokens === 185_000) stoppedBeforeReport = seen.events("stopping").length === 1;
          return Promise.resolve(green(b));
        },
      });
      expect(stoppedBeforeReport, output).toBe(true);
      expect(t.stdout, output).toContain("GOT SIGTERM");
      expect(t.stdout, output).not.toContain("TOOL RAN");
      expect(t.exit, output).toEqual({ code: 143, signal: null });
      expect(t.shown, output).toContain(
        "[flux] context 92% (over the 90% limit): Flux ends this session and continues from a handoff",
      );
      expect(t.events("stopping"), output).toHaveLength(1);
      const { mark, term } = times(t.stdout);
      // The line past the limit to the agent's SIGTERM (measured: a few ms).
      expect(term - mark, output).toBeLessThan(1_000);
      console.info(`${output}: line past the limit to SIGTERM ${(term - mark).toFixed(1)} ms`);
    }
  });

  it("when Flux answers stop; at red (handoff) a Codex or opencode agent, never Claude", async () => {
    const stop = await run(agent([step(100_000)], 3_000), {
      output: "opencode-json",
      answer: answering("stop", "green"),
    });
    expect(stop.stdout).toContain("GOT SIGTERM");
    expect(stop.stdout).not.toContain("TOOL RAN");

    const red = await run(agent(paced([step(20_000), step(152_000)]), 3_000), {
      output: "opencode-json",
      answer: (b) =>
        b.tokens > 150_000 ? answering("handoff", "red")(b) : answering("none", "green")(b),
    });
    expect(red.stdout).toContain("GOT SIGTERM");
    expect(red.stdout).not.toContain("TOOL RAN");
    expect(red.shown).toContain(
      "[flux] context 76% (red): Flux ends this session and continues from a handoff",
    );
    expect(red.events("stopping")).toMatchObject([{ why: "context 76% (red)" }]);

    const told = await run(agent([claudeInit, claude("m1", 152_000, "tool_use")], 50), {
      output: "claude-stream-json",
      answer: answering("handoff", "red"),
    });
    expect(told.reports).toMatchObject([{ tokens: 152_000, source: "stream" }]);
    expect(told.stdout).toContain("TOOL RAN");
    expect(told.exit).toEqual({ code: 0, signal: null });
    expect(told.shown).toContain("[flux] context 76% (red): the agent is told to hand off");
    expect(told.events("stopping")).toEqual([]);
  });

  it("ends Claude on stop only at the limit: below it the engine ends the session itself", async () => {
    // The stage handed off (Claude's own handoff): the engine gives it time to end its turn.
    const below = await run(agent([claudeInit, claude("m1", 100_000)], 50), {
      output: "claude-stream-json",
      answer: answering("stop", "yellow"),
    });
    expect(below.stdout).toContain("TOOL RAN");
    expect(below.events("context")).toMatchObject([{ action: "stop", level: "yellow" }]);

    // Without thresholds in its spec the runner cannot tell the limit: the daemon can.
    const limit = await run(agent([claudeInit, claude("m1", 100_000)], 3_000), {
      output: "claude-stream-json",
      context: null,
      answer: answering("stop", "limit"),
    });
    expect(limit.stdout).toContain("GOT SIGTERM");
    expect(limit.stdout).not.toContain("TOOL RAN");
  });

  it("with SIGKILL when it outlives SIGTERM", async () => {
    const t = await run(agent([step(185_000)], 3_000, { ignoreTerm: true }), {
      output: "opencode-json",
      killAfterMs: 300,
    });
    expect(t.stdout).toContain("GOT SIGTERM");
    expect(t.stdout).not.toContain("TOOL RAN");
    expect(t.exit).toEqual({ code: null, signal: "SIGKILL" });
  });
});

describe("a daemon that cannot answer", () => {
  it("is written in the session's log; the agent goes on, and the hard limit still holds", async () => {
    const down = new Error("fetch failed", {
      cause: new Error("connect ECONNREFUSED 127.0.0.1:1"),
    });
    const t = await run(agent(paced([step(20_000), step(100_000), step(182_000)]), 3_000), {
      output: "opencode-json",
      answer: (b) => (b.tokens === 100_000 ? Promise.resolve(undefined) : Promise.reject(down)),
    });
    expect(t.reports.map((r) => r.tokens)).toEqual([20_000, 100_000, 182_000]);
    expect(t.events("context").map(({ t: _, ...e }) => e)).toEqual([
      {
        type: "context",
        tokens: 20_000,
        window: 200_000,
        percent: 10,
        level: "green",
        action: "none",
        error: "fetch failed: connect ECONNREFUSED 127.0.0.1:1",
      },
      {
        type: "context",
        tokens: 100_000,
        window: 200_000,
        percent: 50,
        level: "green",
        action: "none",
        error: "no daemon to report to",
      },
      {
        type: "context",
        tokens: 182_000,
        window: 200_000,
        percent: 91,
        level: "limit",
        action: "stop",
        error: "fetch failed: connect ECONNREFUSED 127.0.0.1:1",
      },
    ]);
    expect(t.stdout).toContain("GOT SIGTERM");
    expect(t.stdout).not.toContain("TOOL RAN");
  });

  it("that never answers holds the exit report back at most contextWaitMs", async () => {
    const work = tempDir("flux-ctxw-");
    writeSpec(work, specFor(work, agent([step(20_000)], 10), { output: "opencode-json" }));
    let exited = false;
    const started = Date.now();
    await runSession({
      work,
      stateDir: work,
      sessionId: ID,
      display: new PassThrough().resume(),
      contextWaitMs: 200,
      reporter: {
        started: () => Promise.resolve(),
        context: () => new Promise<undefined>(() => undefined),
        exited: () => {
          exited = true;
          return Promise.resolve();
        },
      },
    });
    expect(exited).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(logEvents(work).filter((e) => e.type === "context")).toEqual([]);
  });
});

describe("Codex's rollout", () => {
  const rolloutAgent = (home: string, laterMs: number) => {
    const day = path.join(home, "sessions", "2026", "12", "05");
    const file = path.join(day, "rollout-2026-12-05T12-00-00-th_1.jsonl");
    // The day's directories and the file are made after thread.started (Codex writes its
    // rollout lazily), a line comes in two writes, a figure comes twice.
    const body = `const fs = require("node:fs");
const now = () => (performance.timeOrigin + performance.now()).toFixed(1);
process.on("SIGTERM", () => { process.stdout.write("GOT SIGTERM at " + now() + "\\n"); process.exit(143); });
const file = ${JSON.stringify(file)};
const append = (text) => () => fs.appendFileSync(file, text);
const records = () => (fs.readFileSync(process.env.CTX_LOG, "utf8").match(/"type":"context"/g) || []).length;
const steps = [
  () => process.stdout.write(JSON.stringify({ type: "thread.started", thread_id: "th_1" }) + "\\n"),
  () => { fs.mkdirSync(${JSON.stringify(day)}, { recursive: true }); fs.writeFileSync(file, ""); },
  append(${JSON.stringify(`${turnContext}\n${tokenCount(30_000).slice(0, 40)}`)}),
  append(${JSON.stringify(`${tokenCount(30_000).slice(40)}\n`)}),
  "wait",
  append(${JSON.stringify(`${tokenCount(30_000)}\n{"type":"response_item"}\n`)}),
  () => {
    process.stdout.write("MARK at " + now() + "\\n");
    fs.appendFileSync(file, ${JSON.stringify(`${tokenCount(152_000)}\n`)});
  },
  () => setTimeout(() => process.stdout.write("TOOL RAN\\n"), ${laterMs}),
];
let i = 0;
const next = () => {
  const step = steps[i++];
  if (step === undefined) return;
  if (step !== "wait") {
    step();
    setTimeout(next, 20);
    return;
  }
  const wait = setInterval(() => {
    if (records() < 1) return;
    clearInterval(wait);
    next();
  }, 5);
};
next();`;
    return [process.execPath, "-e", body];
  };

  it("is found after thread.started, followed as it grows, and ends the agent at red", async () => {
    using watchers = watcherCount();
    const home = tempDir("flux-codex-home-");
    const argv = rolloutAgent(home, 3_000);
    const t = await run(argv, {
      output: "codex-json",
      env: { CODEX_HOME: home },
      answer: (b) => answering(b.tokens > 150_000 ? "handoff" : "none", "green")(b),
    });
    expect(t.reports).toEqual([
      {
        tokens: 30_000,
        window: 200_000,
        model: "gpt-5-codex",
        source: "rollout",
        phase: "turn",
        turns: 1,
      },
      {
        tokens: 152_000,
        window: 200_000,
        model: "gpt-5-codex",
        source: "rollout",
        phase: "turn",
        turns: 2,
      },
    ]);
    expect(t.stdout).toContain("GOT SIGTERM");
    expect(t.stdout).not.toContain("TOOL RAN");
    expect(t.events("context_watch_failed")).toEqual([]);
    const { mark, term } = times(t.stdout);
    // The rollout line past red to the agent's SIGTERM, through the daemon's answer.
    expect(term - mark).toBeLessThan(1_000);
    console.info(`codex-json: rollout line at red to SIGTERM ${(term - mark).toFixed(1)} ms`);
    // The directories on the way (CODEX_HOME, sessions, 2026, 12…), then the file: all closed.
    expect(watchers.max()).toBeGreaterThan(0);
    await watchers.allClosed();
  });

  it("that never appears leaves no watcher behind", async () => {
    using watchers = watcherCount();
    const home = tempDir("flux-codex-home-");
    const thread = JSON.stringify({ type: "thread.started", thread_id: "th_2" });
    const t = await run(agent([thread], 20), { output: "codex-json", env: { CODEX_HOME: home } });
    expect(t.reports).toEqual([]);
    expect(t.exit).toEqual({ code: 0, signal: null });
    expect(watchers.max()).toBeGreaterThan(0);
    await watchers.allClosed();
  });
});

describe("a runner that leads its process group (the tmux pane)", () => {
  it("sends SIGTERM to the whole group past the limit, then SIGKILL to what is left, and stays to report", async () => {
    const work = tempDir("flux-ctxw-");
    const marks = path.join(work, "marks");
    // A tool process the agent started, in its group: it ignores SIGTERM, like a blocked one.
    const tool = `process.on("SIGTERM", () => require("node:fs").appendFileSync(${JSON.stringify(marks)}, "tool TERM\\n")); setInterval(() => undefined, 1000); require("node:fs").appendFileSync(${JSON.stringify(marks)}, "tool " + process.pid + "\\n");`;
    const body = `const { spawn } = require("node:child_process");
const fs = require("node:fs");
process.on("SIGTERM", () => fs.appendFileSync(${JSON.stringify(marks)}, "agent TERM\\n"));
spawn(process.execPath, ["-e", ${JSON.stringify(tool)}], { stdio: "ignore" });
const wait = setInterval(() => {
  if (!fs.existsSync(${JSON.stringify(marks)})) return;
  clearInterval(wait);
  process.stdout.write(${JSON.stringify(`${step(185_000)}\n`)});
  setTimeout(() => process.stdout.write("TOOL RAN\\n"), 3000);
}, 10);`;
    writeSpec(work, specFor(work, [process.execPath, "-e", body], { output: "opencode-json" }));
    const driver = path.join(work, "driver.mts");
    fs.writeFileSync(
      driver,
      `import { runSession } from ${JSON.stringify(path.join(ROOT, "src/engine/runner.ts"))};
const code = await runSession({
  work: ${JSON.stringify(work)},
  stateDir: ${JSON.stringify(work)},
  sessionId: ${JSON.stringify(ID)},
  display: process.stdout,
  killAfterMs: 300,
  reporter: {
    started: async () => undefined,
    exited: async (code, signal) => console.log("EXITED " + JSON.stringify({ code, signal })),
  },
});
console.log("RUNNER DONE " + code);`,
    );
    // detached: a process group of its own, which the runner leads.
    const runner = spawn(process.execPath, ["--import", "tsx", driver], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    runner.stdout.on("data", (d: Buffer) => (out += d.toString()));
    runner.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const [code] = await new Promise<[number | null]>((resolve) =>
      runner.once("close", (c) => resolve([c])),
    );
    expect(out).toContain('EXITED {"code":null,"signal":"SIGKILL"}');
    expect(out).toContain("RUNNER DONE 1");
    expect(code).toBe(0);
    const written = fs.readFileSync(marks, "utf8");
    expect(written).toContain("agent TERM");
    expect(written).toContain("tool TERM");
    const toolPid = Number(/tool (\d+)/.exec(written)?.[1]);
    await waitFor(() => !fs.existsSync(`/proc/${toolPid}`) || undefined, {
      what: "the tool process to be killed",
    });
    expect(
      logEvents(work).some((e) => e.type === "output" && String(e.text).includes("TOOL RAN")),
    ).toBe(false);
  });
});
