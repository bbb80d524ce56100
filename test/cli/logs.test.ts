/**
 * `flux logs` in process, over a real store and real session files in a temp directory: each
 * agent's output rendered as its pane shows it (the adapters' own rendering of the real CLI
 * samples, cut into arbitrary chunks as pipes deliver them), the runner's lines in words, an
 * interactive session's transcript merged with its runner's lines, --raw, --json, which
 * session a stage means, the ids it refuses, the end of a long log, and following: a log that
 * does not exist yet, lines as they come, the end of the session, the stage's next session.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentAdapter } from "../../src/adapters/agents/index.ts";
import { claudeTranscriptTail } from "../../src/adapters/agents/claude/transcript.ts";
import { main } from "../../src/cli/main.ts";
import { lastLines } from "../../src/cli/logs/read.ts";
import { agentFile, logFile } from "../../src/engine/session-files.ts";
import { Store } from "../../src/store/store.ts";
import { fixture } from "../adapters/agents/helpers.ts";
import { planOf } from "../kit/plans.ts";
import { RunnerLog, addSession, endSession } from "../kit/session-log.ts";
import { tempDir } from "../kit/temp-repo.ts";

let root: string;
let work: string;
let store: Store;
let planId: number;

beforeEach(() => {
  root = tempDir();
  work = path.join(root, ".work");
  fs.mkdirSync(work);
  store = new Store(path.join(work, "flux.db"));
  ({ planId } = store.applyPlan({
    plan: planOf([
      { id: "api", agent: "claude" },
      { id: "cli", agent: "codex" },
      { id: "web", agent: "opencode" },
      { id: "cmd", agent: "command", command: "sh agent.sh" },
      { id: "tui", agent: "claude", mode: "interactive" },
    ]),
    file: "doc/plans/PLAN-test.md",
    contentHash: "hash",
    baseBranch: "main",
  }));
});
afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs `flux …` in process; `seen` is told of every line written, as it is written. */
function flux(args: string[], seen?: (out: string) => void): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  return main(args, {
    cwd: root,
    env: { XDG_CONFIG_HOME: "/nonexistent-flux-test", HOME: root },
    output: {
      color: false,
      out: (text) => {
        out.push(text);
        seen?.(out.join("\n"));
      },
      err: (text) => err.push(text),
    },
  }).then((code) => ({ code, out: out.join("\n"), err: err.join("\n") }));
}

/** What each CLI's pane shows for these raw lines: the adapter's own rendering. */
function pane(agent: "claude" | "codex" | "opencode", lines: string[]): string[] {
  const render = agentAdapter(agent).parser();
  return lines.flatMap((l) => (l.trim() === "" ? [] : (render.render(l)?.split("\n") ?? [])));
}

/** `text` cut into pieces of `size` characters, as a pipe may deliver it. */
function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

const body = (run: Run) => run.out.split("\n").slice(1);

/** `flux …` left running; `shows(text)` resolves once its output has the text. */
function running(args: string[]) {
  let seen = "";
  const waiters = new Set<() => void>();
  const done = flux(args, (out) => {
    seen = out;
    for (const check of [...waiters]) check();
  });
  const shows = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`"${text}" not shown; output:\n${seen}`));
      }, 10_000);
      const check = () => {
        if (!seen.includes(text)) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      waiters.add(check);
      check();
    });
  return { done, shows, seen: () => seen };
}

describe("flux logs: readable", () => {
  it.each([
    ["api", "claude", "claude-stream-sample.jsonl"],
    ["cli", "codex", "codex-exec-sample.jsonl"],
    ["web", "opencode", "opencode-run-sample.jsonl"],
  ] as const)(
    "%s: each %s line as the pane shows it, the runner's lines in words",
    async (stage, agent, sample) => {
      addSession(store, planId, { id: `ses_${agent}`, stage, agent });
      const log = new RunnerLog(work, `ses_${agent}`).start();
      const raw = fixture(sample).join("\n");
      for (const piece of chunks(raw, 97)) log.out(piece);
      log.out("\n");
      log.out("warning: slow disk\n", "stderr");
      log.record({
        type: "context",
        tokens: 90_000,
        window: 200_000,
        percent: 45,
        level: "green",
        action: "none",
      });
      log.record({
        type: "context",
        tokens: 160_000,
        window: 200_000,
        percent: 80,
        level: "red",
        action: "handoff",
        error: "no daemon to report to",
      });
      log.record({ type: "stopping", why: "context 80% (red)" });
      log.record({
        type: "telemetry",
        usage: {
          inputTokens: 1200,
          outputTokens: 300,
          cacheCreationTokens: 0,
          cacheReadTokens: 30_000,
        },
        costUsd: 0.0123,
        costEstimated: false,
        result: "success",
      });
      log.exit(0);
      endSession(store, `ses_${agent}`);

      const run = await flux(["logs", stage]);
      expect(run.code).toBe(0);
      expect(run.out.split("\n")[0]).toMatch(
        new RegExp(
          `^── ${stage}: session 1 of 1, ses_${agent} \\(${agent}, start; exited \\(code 0\\) at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\)$`,
        ),
      );
      expect(body(run)).toEqual([
        `[flux] session ses_${agent} · stage ${stage}`,
        "[flux] agent started (pid 4242)",
        ...pane(agent, fixture(sample)),
        "warning: slow disk",
        "[flux] context 45% (green) · 90k of 200k tokens",
        "[flux] context 80% (red) · 160k of 200k tokens: the agent is told to hand off (not reported: no daemon to report to)",
        "[flux] stopping the agent: context 80% (red)",
        "[flux] telemetry: 31k in / 300 out · $0.0123 · success",
        "[flux] agent exited (code 0)",
      ]);
    },
  );

  it("a command agent's text: lines as written, the last one without its newline too", async () => {
    addSession(store, planId, { id: "ses_cmd", stage: "cmd" });
    new RunnerLog(work, "ses_cmd")
      .start()
      .out("one\r\ntw")
      .out('o\n{"not": "an event"}\n')
      .out("oops\n", "stderr")
      .out("no newline at the end")
      .record({ type: "something_new", detail: 1 })
      .exit(3);
    endSession(store, "ses_cmd", 3);
    const run = await flux(["logs", "cmd"]);
    expect(body(run)).toEqual([
      "[flux] session ses_cmd · stage cmd",
      "[flux] agent started (pid 4242)",
      "one",
      "two",
      '{"not": "an event"}',
      "oops",
      '[flux] something_new {"detail":1}',
      "[flux] agent exited (code 3)",
      "no newline at the end",
    ]);
  });

  it("interactive Claude: its transcript rendered the same way, merged by time with the runner's lines", async () => {
    addSession(store, planId, { id: "ses_tui", stage: "tui", agent: "claude", interactive: true });
    const transcript = path.join(root, "transcript.jsonl");
    const text = fixture("claude-transcript-sample.jsonl").join("\n");
    fs.writeFileSync(transcript, text);
    fs.mkdirSync(path.dirname(agentFile(work, "ses_tui")), { recursive: true });
    fs.writeFileSync(agentFile(work, "ses_tui"), JSON.stringify({ transcriptPath: transcript }));
    // Before the transcript's first entry, and after its last.
    new RunnerLog(work, "ses_tui", Date.parse("2026-11-22T06:48:19Z")).start();
    new RunnerLog(work, "ses_tui", Date.parse("2026-11-22T06:49:00Z")).exit(143);
    endSession(store, "ses_tui", 143);

    const run = await flux(["logs", "tui"]);
    const shown = claudeTranscriptTail(text, 10_000);
    expect(shown.length).toBeGreaterThan(2);
    expect(body(run)).toEqual([
      "[flux] session ses_tui · stage tui",
      "[flux] agent started (pid 4242)",
      ...shown,
      "[flux] agent exited (code 143)",
    ]);
    expect(run.out.split("\n")[0]).toContain("(claude, interactive, start;");
    // --raw: the transcript as written is the record.
    const raw = await flux(["logs", "tui", "--raw"]);
    expect(`${raw.out}\n`).toBe(text);
    expect(raw.err).toContain("── tui: session 1 of 1, ses_tui");
  });

  it("--raw prints the log byte for byte; --json one object per line", async () => {
    addSession(store, planId, { id: "ses_cmd", stage: "cmd" });
    new RunnerLog(work, "ses_cmd").start().out("hello\n").exit(0);
    endSession(store, "ses_cmd");
    const raw = await flux(["logs", "ses_cmd", "--raw"]);
    expect(`${raw.out}\n`).toBe(fs.readFileSync(logFile(work, "ses_cmd"), "utf8"));
    expect(raw.err).toMatch(/^── cmd: session 1 of 1, ses_cmd \(command, start; exited/);

    const json = await flux(["logs", "cmd", "--json"]);
    const objects = json.out.split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects[0]).toMatchObject({
      type: "session",
      session: "ses_cmd",
      stage: "cmd",
      number: 1,
      of: 1,
      agent: "command",
      status: "exited",
      log: ".work/logs/ses_cmd.ndjson",
      transcript: null,
    });
    expect(objects.slice(1)).toEqual([
      {
        type: "line",
        session: "ses_cmd",
        t: "2026-12-05T12:00:00.000Z",
        from: "flux",
        text: "[flux] session ses_cmd · stage cmd",
      },
      {
        type: "line",
        session: "ses_cmd",
        t: "2026-12-05T12:00:01.000Z",
        from: "flux",
        text: "[flux] agent started (pid 4242)",
      },
      {
        type: "line",
        session: "ses_cmd",
        t: "2026-12-05T12:00:02.000Z",
        from: "agent",
        text: "hello",
      },
      {
        type: "line",
        session: "ses_cmd",
        t: "2026-12-05T12:00:03.000Z",
        from: "flux",
        text: "[flux] agent exited (code 0)",
      },
    ]);
    const both = await flux(["logs", "cmd", "--json", "--raw"]);
    expect(both.code).toBe(2);
    expect(both.out).toContain('"code": "USAGE"');
  });
});

describe("flux logs: which session", () => {
  beforeEach(() => {
    for (const [id, n] of [
      ["ses_one", 1],
      ["ses_two", 2],
      ["ses_three", 3],
    ] as const) {
      addSession(store, planId, { id, stage: "cmd", purpose: n === 1 ? "start" : "retry" });
      new RunnerLog(work, id)
        .start()
        .out(`output of session ${n}\n`)
        .exit(n === 3 ? 0 : 1);
      endSession(store, id, n === 3 ? 0 : 1);
    }
  });

  it("a stage means its latest, and says how to see the earlier ones", async () => {
    const run = await flux(["logs", "cmd"]);
    const lines = run.out.split("\n");
    expect(lines[0]).toMatch(
      /^── cmd: session 3 of 3, ses_three \(command, retry; exited \(code 0\) at .* UTC\)$/,
    );
    expect(lines[1]).toBe("   2 earlier: `flux logs cmd --session <1-2>`, or --all");
    expect(run.out).toContain("output of session 3");
    expect(run.out).not.toContain("output of session 2");
  });

  it("--session <n> picks one, oldest first; --all prints each under its header", async () => {
    const second = await flux(["logs", "cmd", "--session", "2"]);
    expect(second.out.split("\n")[0]).toMatch(
      /^── cmd: session 2 of 3, ses_two \(command, retry; exited \(code 1\)/,
    );
    expect(second.out).toContain("output of session 2");
    expect(second.out).not.toContain("output of session 3");
    const all = await flux(["logs", "cmd", "--all"]);
    expect(all.out.match(/^── cmd: session \d of 3/gm)).toEqual([
      "── cmd: session 1 of 3",
      "── cmd: session 2 of 3",
      "── cmd: session 3 of 3",
    ]);
    expect(all.out).not.toContain("earlier");
    const byId = await flux(["logs", "ses_two"]);
    expect(byId.out.split("\n")[0]).toMatch(/^── cmd: session 2 of 3, ses_two/);
    expect(byId.out).toContain("output of session 2");
  });

  it("refuses what names no session, before anything names a file", async () => {
    const outOfRange = await flux(["logs", "cmd", "--session", "4"]);
    expect(outOfRange.code).toBe(5);
    expect(outOfRange.err).toContain("error[SESSION_NOT_FOUND]: cmd has no session 4: it has 3");
    const notANumber = await flux(["logs", "cmd", "--session", "last"]);
    expect(notANumber.code).toBe(2);
    expect(notANumber.err).toContain("error[INVALID_ARGUMENT]");
    const typo = await flux(["logs", "cmdd"]);
    expect(typo.code).toBe(5);
    expect(typo.err).toContain(
      'error[STAGE_NOT_FOUND]: no stage "cmdd" in the active plan. Did you mean "cmd"?',
    );
    const session = await flux(["logs", "ses_thre"]);
    expect(session.code).toBe(5);
    expect(session.err).toContain('error[SESSION_NOT_FOUND]: no session "ses_thre"');
    expect(session.err).toContain("did you mean ses_three?");
    for (const bad of ["../../etc/passwd", "ses_../../x", "ses_one/../two", "Cmd"]) {
      const run = await flux(["logs", bad]);
      expect(run.code, bad).toBe(5);
      expect(run.err, bad).toMatch(/error\[(STAGE|SESSION)_NOT_FOUND\]/);
    }
    const sessionAndAll = await flux(["logs", "ses_two", "--all"]);
    expect(sessionAndAll.code).toBe(2);
    expect(sessionAndAll.err).toContain("flux logs cmd --all");
  });

  it("a stage without a session says so", async () => {
    const run = await flux(["logs", "api"]);
    expect(run.code).toBe(0);
    expect(run.out).toBe("api has no session yet (it is ready).");
  });
});

describe("a long log", () => {
  it("is printed whole, a piece at a time", async () => {
    addSession(store, planId, { id: "ses_long", stage: "cmd" });
    const log = new RunnerLog(work, "ses_long").start();
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i} ${"x".repeat(100)}`);
    for (let i = 0; i < lines.length; i += 1000)
      log.out(`${lines.slice(i, i + 1000).join("\n")}\n`);
    log.exit(0);
    endSession(store, "ses_long");
    expect(fs.statSync(log.file).size).toBeGreaterThan(3 * 1024 * 1024);
    const run = await flux(["logs", "cmd"]);
    expect(body(run)).toEqual([
      "[flux] session ses_long · stage cmd",
      "[flux] agent started (pid 4242)",
      ...lines,
      "[flux] agent exited (code 0)",
    ]);
  });

  it("starts from inside the file without showing a piece of a line", () => {
    addSession(store, planId, { id: "ses_claude", stage: "api", agent: "claude" });
    const log = new RunnerLog(work, "ses_claude").start();
    const events = fixture("claude-stream-sample.jsonl").filter((l) => l.trim() !== "");
    const message = events.find((l) => l.includes('"type":"assistant"') && l.includes('"text"'))!;
    // 400 copies of one assistant line, each cut across two output records.
    for (let i = 0; i < 400; i++) {
      const line = message.replace("I'll create the file first.", `line ${i}`);
      const cut = Math.floor(line.length / 2);
      log.out(line.slice(0, cut)).out(`${line.slice(cut)}\n`);
    }
    const size = fs.statSync(log.file).size;
    const lines = lastLines(
      work,
      { id: "ses_claude", stageId: "api", agent: "claude", interactive: false },
      15,
      20_000,
    );
    expect(size).toBeGreaterThan(20_000 * 10);
    expect(lines.map((l) => l.text)).toEqual(
      Array.from({ length: 15 }, (_, i) => `line ${385 + i}`),
    );
  });
});

describe("flux logs -f", () => {
  it("interactive Claude: waits for the transcript its hook names, then follows it", async () => {
    addSession(store, planId, { id: "ses_tui", stage: "tui", agent: "claude", interactive: true });
    const { done, shows } = running(["logs", "-f", "ses_tui"]);
    await shows("── tui: session 1 of 1, ses_tui (claude, interactive, start;");
    new RunnerLog(work, "ses_tui", Date.parse("2026-12-05T12:00:00Z")).start();
    await shows("[flux] agent started (pid 4242)");
    // The hook names a transcript in a directory that does not exist yet.
    const transcript = path.join(root, "claude", "projects", "w", "t.jsonl");
    fs.mkdirSync(path.dirname(agentFile(work, "ses_tui")), { recursive: true });
    fs.writeFileSync(agentFile(work, "ses_tui"), JSON.stringify({ transcriptPath: transcript }));
    const say = (n: number, text: string) =>
      `${JSON.stringify({
        type: "assistant",
        isSidechain: false,
        timestamp: `2026-12-05T12:00:1${n}.000Z`,
        message: { id: `m${n}`, model: "claude-x", content: [{ type: "text", text }] },
      })}\n`;
    fs.mkdirSync(path.dirname(transcript), { recursive: true });
    fs.writeFileSync(transcript, say(1, "Reading the code."));
    await shows("Reading the code.");
    fs.appendFileSync(transcript, say(2, "Writing the test."));
    await shows("Writing the test.");
    new RunnerLog(work, "ses_tui", Date.parse("2026-12-05T12:01:00Z")).exit(143);
    endSession(store, "ses_tui", 143);
    const run = await done;
    expect(body(run)).toEqual([
      "[flux] session ses_tui · stage tui",
      "[flux] agent started (pid 4242)",
      "Reading the code.",
      "Writing the test.",
      "[flux] agent exited (code 143)",
    ]);
  });

  it("waits for a log that does not exist yet, shows lines as they come, and ends with the session", async () => {
    addSession(store, planId, { id: "ses_live", stage: "cmd" });
    const { done, shows, seen } = running(["logs", "-f", "ses_live"]);
    await shows("── cmd: session 1 of 1, ses_live");
    expect(fs.existsSync(path.join(work, "logs"))).toBe(false);
    const log = new RunnerLog(work, "ses_live").start();
    await shows("[flux] agent started (pid 4242)");
    log.out("first li");
    log.out("ne\nsecond");
    await shows("first line");
    expect(seen()).not.toContain("second");
    log.out(" line\n");
    await shows("second line");
    endSession(store, "ses_live");
    const run = await done;
    expect(run.code).toBe(0);
    expect(body(run)).toEqual([
      "[flux] session ses_live · stage cmd",
      "[flux] agent started (pid 4242)",
      "first line",
      "second line",
    ]);
  });

  it("goes on to the stage's next session, and stops when the stage gets no more", async () => {
    store.transition(planId, "cmd", "session_started", { actor: "flux" });
    addSession(store, planId, { id: "ses_first", stage: "cmd" });
    new RunnerLog(work, "ses_first").start().out("first session\n");
    const { done, shows } = running(["logs", "-f", "cmd"]);
    await shows("first session");
    // It crashed: the stage is ready again, for a retry.
    new RunnerLog(work, "ses_first", Date.parse("2026-12-05T12:01:00Z")).exit(1);
    store.write((emit) => {
      store.transitionWithin(emit, planId, "cmd", "session_crashed", { actor: "flux" });
    });
    endSession(store, "ses_first", 1);
    await shows("ses_first has ended; cmd is ready: waiting for its next session");
    store.transition(planId, "cmd", "session_started", { actor: "flux" });
    addSession(store, planId, { id: "ses_second", stage: "cmd", purpose: "retry" });
    new RunnerLog(work, "ses_second").start().out("second session\n").exit(0);
    await shows("second session");
    endSession(store, "ses_second");
    store.transition(planId, "cmd", "session_exited", { actor: "flux" });
    store.transition(planId, "cmd", "acceptance_passed", { actor: "flux" });
    const run = await done;
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/── cmd: session 2 of 2, ses_second \(command, retry;/);
    expect(run.out.indexOf("first session")).toBeLessThan(run.out.indexOf("second session"));
  });
});
