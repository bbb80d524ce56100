/**
 * bench/agents: for each agent CLI (Claude Code headless and its interactive TUI, Codex,
 * opencode) run for real through Flux against the scripted fake model, the time from `session.created` to the CLI's first model
 * request, split into Flux's part (created → agent spawned, from the runner's log) and the CLI's
 * own start-up (spawned → first request); then the runner's overhead per event of the CLI's
 * stream, in process (parser + ndjson record per line) and end to end (`flux runner` over
 * `cat <stream>` against `cat <stream> > /dev/null`).
 * Run: npm run bench:agents   (builds first; needs git and tmux)
 *   BENCH_AGENTS=claude,codex   BENCH_AGENT_RUNS=5   BENCH_EVENTS=20000   BENCH_RUNNER_RUNS=7
 */
import type { ChildProcess } from "node:child_process";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { agentAdapter } from "../src/adapters/agents/index.ts";
import { startModelServer } from "../src/adapters/model/index.ts";
import type { SessionSpec } from "../src/engine/session-files.ts";
import { tmuxSocketName } from "../src/server/daemon.ts";
import { CLI_BIN, cliEnv, type AgentCli } from "../test/kit/model.ts";
import { interleaved, median, timeRun } from "./lib.ts";

const ALL: readonly AgentCli[] = ["claude", "codex", "opencode"];
const KINDS = (process.env.BENCH_AGENTS ?? ALL.join(",")).split(",").map((k) => {
  if (!ALL.includes(k as AgentCli)) throw new Error(`BENCH_AGENTS: unknown agent "${k}"`);
  return k as AgentCli;
});
const RUNS = Number(process.env.BENCH_AGENT_RUNS ?? 5);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const RUNNER_RUNS = Number(process.env.BENCH_RUNNER_RUNS ?? 7);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const flux = path.join(ROOT, "bin/flux.js");
const SAMPLES = "/work/shared/reference/samples";
const SAMPLE = { claude: "claude-stream", codex: "codex-exec", opencode: "opencode-run" };
const OUTPUT = { claude: "claude-stream-json", codex: "codex-json", opencode: "opencode-json" };

/** Everything to undo, also on Ctrl-C: children to kill, tmux sockets, the temp dir. */
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flux-bench-agents-")));
const children = new Set<ChildProcess>();
const sockets = new Set<string>();
function cleanup(): void {
  for (const child of children) {
    // Its own process group: whatever it started goes too.
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
  }
  for (const socket of sockets)
    spawnSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
  fs.rmSync(tmp, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    cleanup();
    process.exit(130);
  });

const ms = (x: number) => `${x.toFixed(0)} ms`;
const stat = (xs: readonly number[]) =>
  `median ${ms(median(xs))} · min ${ms(Math.min(...xs))} · max ${ms(Math.max(...xs))}`;

/** `flux run --foreground` in `repo`, resolved with its exit code and output. */
function fluxRun(repo: string, env: NodeJS.ProcessEnv, timeoutMs: number) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [flux, "run", "--foreground"], {
      cwd: repo,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    let out = "";
    for (const s of [child.stdout, child.stderr])
      s.setEncoding("utf8").on("data", (d: string) => (out += d));
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, out });
    });
  });
}

/** Milliseconds of one start-up, by phase (see the printed labels). */
type Startup = Record<"total" | "runner" | "flux" | "cli" | "turn", number> & { first: string };

/** One one-stage plan run through Flux with the real CLI; timestamps from db, log and model. */
async function startupRun(kind: AgentCli, n: number, tui = false): Promise<Startup> {
  const dir = path.join(tmp, `${kind}${tui ? "-tui" : ""}-${n}`);
  const repo = path.join(dir, "repo");
  fs.mkdirSync(path.join(repo, "doc/plans"), { recursive: true });
  await using model = await startModelServer({
    script: [
      { text: "Writing the file.", write: { path: "bench.txt", content: "bench\n" } },
      { shell: 'git add bench.txt && git commit -q -m bench && "$FLUX_BIN" stage complete' },
      { end: true, text: "Done." },
    ],
  });
  const env: NodeJS.ProcessEnv = {
    ...cliEnv(kind, model, { root: path.join(dir, "homes") }),
    NO_COLOR: "1",
    FLUX_SESSION_BACKEND: "tmux",
  };
  for (const name of Object.keys(env)) if (name.startsWith("TMUX")) delete env[name];
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, env, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  git("config", "user.name", "bench"); // the agent commits in a worktree of this repository
  git("config", "user.email", "bench@example.invalid");
  fs.writeFileSync(
    path.join(repo, "doc/plans/PLAN-bench.md"),
    "# Agent start-up benchmark\n\n<!-- FLUX METADATA -->\n\n```yaml\nflux:\n  version: 1\n  stages:\n" +
      `    - id: write\n      agent: ${kind}\n      mode: ${tui ? "interactive\n      permission_mode: bypass" : "headless"}\n      description: "Write bench.txt, commit it, complete the stage."\n` +
      "```\n\n<!-- END FLUX METADATA -->\n",
  );
  git("add", "-A");
  git("commit", "-q", "-m", "bench repository");
  timeRun(process.execPath, [flux, "init", "doc/plans/PLAN-bench.md"], repo, env);
  sockets.add(tmuxSocketName(repo));
  const run = await fluxRun(repo, env, 180_000);
  const db = new Database(path.join(repo, ".work/flux.db"), { readonly: true });
  const row = db
    .prepare("SELECT at, data FROM events WHERE type = 'session.created' ORDER BY seq LIMIT 1")
    .get() as { at: string; data: string } | undefined;
  const state = db.prepare("SELECT state FROM stages WHERE id = 'write'").pluck().get();
  db.close();
  if (run.code !== 0 || state !== "merged" || row === undefined)
    throw new Error(`${kind}: flux run exited ${run.code}, stage ${String(state)}:\n${run.out}`);
  const session = (JSON.parse(row.data) as { session: string }).session;
  const events = fs
    .readFileSync(path.join(repo, ".work/logs", `${session}.ndjson`), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { t: string; type: string });
  const at = (t: string | undefined) => (t === undefined ? NaN : Date.parse(t));
  const requests = model.requests();
  const [created, spawned] = [at(row.at), at(events.find((e) => e.type === "spawned")?.t)];
  const [first, turn] = [requests[0], requests.find((r) => r.script !== null)];
  return {
    total: at(first?.ts) - created,
    runner: at(events[0]?.t) - created,
    flux: spawned - created,
    cli: at(first?.ts) - spawned,
    turn: at(turn?.ts) - spawned,
    first: first === undefined ? "none" : `${first.method} ${first.path} (${first.response_kind})`,
  };
}

/** ~EVENTS lines: the sample's first line, its middle lines repeated, its last line. */
function streamLines(kind: AgentCli): string[] {
  const lines = fs
    .readFileSync(path.join(SAMPLES, `${SAMPLE[kind]}-sample.jsonl`), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
  const middle = lines.slice(1, -1);
  const out = [lines[0]!];
  for (let i = 0; out.length < EVENTS - 1; i++) out.push(middle[i % middle.length]!);
  out.push(lines.at(-1)!);
  return out;
}

const PARTS = ["parse", "pane", "record"] as const;
type Part = (typeof PARTS)[number];

/**
 * µs per line of the runner's per-line work, alone and together (median of 5 rounds): the
 * parser (push + render), writing the rendered line to the pane (here /dev/null) and the ndjson
 * record, one per line as when each event arrives in its own chunk.
 */
function inProcess(kind: AgentCli, lines: readonly string[]) {
  const file = path.join(tmp, `${kind}-inprocess.ndjson`);
  const pass = (parts: readonly Part[]) => {
    const parser = agentAdapter(kind).parser();
    const [log, pane] = [fs.openSync(file, "w"), fs.openSync("/dev/null", "w")];
    const start = process.hrtime.bigint();
    for (const line of lines) {
      if (parts.includes("record")) {
        const event = { type: "output", stream: "stdout", text: `${line}\n` };
        fs.writeSync(log, `${JSON.stringify({ t: new Date().toISOString(), ...event })}\n`);
      }
      if (parts.includes("parse")) {
        parser.push(line);
        const shown = parser.render(line);
        if (shown !== undefined && parts.includes("pane")) fs.writeSync(pane, `${shown}\n`);
      }
    }
    const us = Number(process.hrtime.bigint() - start) / 1e3 / lines.length;
    parser.telemetry(0);
    fs.closeSync(log);
    fs.closeSync(pane);
    return us;
  };
  const sets: Part[][] = [["parse"], ["parse", "pane"], ["record"], [...PARTS]];
  pass(PARTS); // warm-up: JIT and file cache
  const times = sets.map((): number[] => []);
  for (let round = 0; round < 5; round++) sets.forEach((parts, i) => times[i]!.push(pass(parts)));
  const [parse, pane, record, all] = times.map(median);
  return { parse: parse!, pane: pane!, record: record!, all: all! };
}

/** The real runner over `cat <file>` (a hand-written spec), against `cat` alone. */
function endToEnd(kind: AgentCli, file: string) {
  const dir = path.join(tmp, `${kind}-runner`);
  const work = path.join(dir, ".work");
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("FLUX_") && !k.startsWith("TMUX")),
  ) as Record<string, string>;
  // The runner reads specs from the state directory the engine names: here, .work itself.
  env.FLUX_STATE_DIR = work;
  const specFor = (id: string, stream: string): string => {
    const spec: SessionSpec = {
      sessionId: id,
      stageId: "bench",
      cwd: dir,
      argv: ["cat", stream],
      env: { PATH: env.PATH ?? "/usr/bin:/bin" },
      logFile: path.join(work, "logs", `${id}.ndjson`),
      exitFile: path.join(work, "sessions", id, "exit.json"),
      stdin: "ignore",
      output: OUTPUT[kind] as SessionSpec["output"],
      createdAt: new Date().toISOString(),
    };
    fs.mkdirSync(path.join(work, "sessions", id), { recursive: true });
    fs.writeFileSync(path.join(work, "sessions", id, "spec.json"), JSON.stringify(spec));
    return id;
  };
  const empty = path.join(dir, "empty.jsonl");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(empty, "");
  const full = specFor("ses_full", file);
  const none = specFor("ses_empty", empty);
  const timeRunner = (id: string) => () => {
    fs.rmSync(path.join(work, "logs", `${id}.ndjson`), { force: true });
    return timeRun(process.execPath, [flux, "runner", id], dir, env);
  };
  timeRunner(full)(); // warm the file cache
  const main = interleaved(RUNNER_RUNS, timeRunner(full), () => timeRun("cat", [file], dir, env));
  const bare = interleaved(RUNNER_RUNS, timeRunner(none), () => timeRun("cat", [empty], dir, env));
  const log = fs.readFileSync(path.join(work, "logs", `${full}.ndjson`), "utf8").split("\n");
  const records = log.filter((l) => l.includes('"type":"output"')).length;
  const [runner, cat, runnerEmpty, catEmpty] = [main.a, main.b, bare.a, bare.b].map(median);
  return { runner: runner!, cat: cat!, runnerEmpty: runnerEmpty!, catEmpty: catEmpty!, records };
}

try {
  const tools = [
    `node ${process.version}`,
    ...KINDS.map(
      (k) => `${k} ${execFileSync(CLI_BIN[k], ["--version"], { encoding: "utf8" }).trim()}`,
    ),
    execFileSync("tmux", ["-V"], { encoding: "utf8" }).trim(),
  ].join(", ");
  console.log(`bench/agents: agent CLIs through Flux on the fake model (${tools})`);
  console.log(
    `  start-up: ${RUNS} one-stage runs per CLI (flux run --foreground, fresh repo and CLI home each)`,
  );
  const startups = KINDS.flatMap((kind): { kind: AgentCli; tui: boolean }[] =>
    kind === "claude"
      ? [
          { kind, tui: false },
          { kind, tui: true },
        ]
      : [{ kind, tui: false }],
  );
  for (const { kind, tui } of startups) {
    const runs: Startup[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await startupRun(kind, i, tui));
    const of = (key: Exclude<keyof Startup, "first">) => stat(runs.map((r) => r[key]));
    const home = cliEnv(kind, { url: "http://127.0.0.1:9" }, { root: path.join(tmp, "version") });
    const version = Array.from({ length: 5 }, () =>
      timeRun(CLI_BIN[kind], ["--version"], tmp, home),
    );
    const label = tui ? "claude (TUI)" : kind;
    console.log(`    ${label.padEnd(12)} session.created → first model request   ${of("total")}`);
    console.log(`      Flux   session.created → agent spawned         ${of("flux")}`);
    console.log(`               of which → runner's first log line   ${of("runner")}`);
    console.log(`      CLI    agent spawned → first model request     ${of("cli")}`);
    console.log(`             agent spawned → first scripted turn     ${of("turn")}`);
    console.log(
      `             first request: ${[...new Set(runs.map((r) => r.first))].join(", ")}; \`${kind} --version\` alone median ${ms(median(version))}`,
    );
  }
  console.log(`  runner overhead per event: ${EVENTS} lines from each CLI's recorded sample`);
  for (const kind of KINDS) {
    const lines = streamLines(kind);
    const file = path.join(tmp, `${kind}.jsonl`);
    fs.writeFileSync(file, `${lines.join("\n")}\n`);
    const p = inProcess(kind, lines);
    const e = endToEnd(kind, file);
    const us = (x: number) => `${x.toFixed(2)} µs`;
    const perEvent = ((e.runner - e.cat) * 1000) / lines.length;
    const marginal = ((e.runner - e.runnerEmpty - (e.cat - e.catEmpty)) * 1000) / lines.length;
    const mb = (fs.statSync(file).size / 1e6).toFixed(1);
    console.log(`    ${kind} (${mb} MB)`);
    console.log(
      `      in process, per line: parser.push + render ${us(p.parse)} · + pane write ${us(p.pane)} · ndjson record ${us(p.record)} · all ${us(p.all)}`,
    );
    console.log(
      `      flux runner on \`cat\` median ${ms(e.runner)} vs \`cat > /dev/null\` ${ms(e.cat)} (${RUNNER_RUNS} runs each, ${e.records} output records)`,
    );
    console.log(`        → ${us(perEvent)} per event including process start`);
    console.log(
      `        runner on an empty stream ${ms(e.runnerEmpty)} (cat ${ms(e.catEmpty)}) → ${us(marginal)} per event beyond start-up`,
    );
  }
} finally {
  cleanup();
}
