/**
 * bench/context: what a context handoff costs, with the real Claude Code (headless) through Flux
 * on the scripted model (DESIGN.md §4).
 *
 * - The continuation's signal: its size in tokens (characters / 4) and the share of it that is
 *   the stable prefix, byte-identical across the stage's sessions (prompt caches reuse it).
 * - The time from a handoff to the continuation's first model request: from the agent's own
 *   handoff (`handoff.created`), and from a backstop stop (the stage entering `needs_handoff`
 *   past the hard limit); against the bare session-start floor measured in the same run — the
 *   same CLI spawned directly, to its first model request. Target: ≤ 1.5× the floor.
 *
 * Run: npm run bench:context   (builds first; needs git and tmux)   BENCH_CONTEXT_RUNS=3
 */
import type { ChildProcess } from "node:child_process";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { startModelServer } from "../src/adapters/model/index.ts";
import { stablePrefix } from "../src/core/signal/render.ts";
import type { ScriptInput } from "../src/adapters/model/script.ts";
import { tmuxSocketName } from "../src/server/daemon.ts";
import { contextGateScript } from "../src/adapters/agents/claude/context-gate.ts";
import { CLI_BIN, cliEnv } from "../test/kit/model.ts";
import { interleaved, median, timeRun } from "./lib.ts";

const RUNS = Number(process.env.BENCH_CONTEXT_RUNS ?? 3);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const flux = path.join(ROOT, "bin/flux.js");
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flux-bench-context-")));
const children = new Set<ChildProcess>();
const sockets = new Set<string>();
function cleanup(): void {
  for (const child of children)
    if (child.exitCode === null && child.pid !== undefined)
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Gone already.
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

const at = (percent: number) => ({ input_tokens: percent * 2_000 });
const ms = (x: number) => `${x.toFixed(0)} ms`;
const stat = (xs: readonly number[]) =>
  `median ${ms(median(xs))} · min ${ms(Math.min(...xs))} · max ${ms(Math.max(...xs))}`;

/** A session that hands off by itself at red, and one that jumps past the hard limit. */
const SCRIPTS: Record<"agent" | "backstop", ScriptInput> = {
  agent: {
    scripts: {
      one: [
        { write: { path: "one.txt", content: "1\n" }, usage: at(30) },
        { shell: 'git add one.txt && git commit -q -m "part one"', usage: at(78) },
        {
          shell:
            "flux handoff create --stdin <<'EOF'\n## Summary\nPart one is done. [[script:two]]\n## Completed\n- one.txt\n## Remaining\n- two.txt (one.txt:1)\n## Decisions\n- none\n## Open questions\n- none\nEOF",
          usage: at(80),
        },
        { end: true, text: "Handed off." },
      ],
      two: [
        {
          shell:
            'echo 2 > two.txt && git add two.txt && git commit -q -m "part two" && flux stage complete',
        },
        { end: true, text: "Done." },
      ],
    },
  },
  backstop: {
    scripts: {
      one: [
        {
          text: "Part one. [[script:two]]",
          write: { path: "one.txt", content: "1\n" },
          usage: at(30),
        },
        { shell: 'git add one.txt && git commit -q -m "part one"', usage: at(40) },
        { write: { path: "never.txt", content: "no\n" }, usage: at(95) },
        { end: true, text: "never" },
      ],
      two: [
        {
          shell:
            'echo 2 > two.txt && git add two.txt && git commit -q -m "part two" && flux stage complete',
        },
        { end: true, text: "Done." },
      ],
    },
  },
};

interface Sample {
  handoffToFirst: number;
  startToFirst: number;
  signalChars: number;
  prefixChars: number;
}

function fluxRun(
  repo: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
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
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 180_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, out });
    });
  });
}

async function handoffRun(kind: "agent" | "backstop", n: number): Promise<Sample> {
  const dir = path.join(tmp, `${kind}-${n}`);
  const repo = path.join(dir, "repo");
  fs.mkdirSync(path.join(repo, "doc/plans"), { recursive: true });
  await using model = await startModelServer({ script: SCRIPTS[kind] });
  const env: NodeJS.ProcessEnv = {
    ...cliEnv("claude", model, { root: path.join(dir, "homes") }),
    NO_COLOR: "1",
    FLUX_SESSION_BACKEND: "tmux",
  };
  for (const name of Object.keys(env)) if (name.startsWith("TMUX")) delete env[name];
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, env, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  git("config", "user.name", "bench");
  git("config", "user.email", "bench@example.invalid");
  fs.writeFileSync(
    path.join(repo, "doc/plans/PLAN-bench.md"),
    "# Handoff benchmark\n\n<!-- FLUX METADATA -->\n\n```yaml\nflux:\n  version: 1\n  stages:\n" +
      '    - id: long\n      agent: claude\n      mode: headless\n      description: "Two parts. [[script:one]]"\n      acceptance: ["test -f one.txt && test -f two.txt"]\n' +
      "```\n\n<!-- END FLUX METADATA -->\n",
  );
  git("add", "-A");
  git("commit", "-q", "-m", "bench repository");
  timeRun(process.execPath, [flux, "init", "doc/plans/PLAN-bench.md"], repo, env);
  sockets.add(tmuxSocketName(repo));
  const run = await fluxRun(repo, env);
  const db = new Database(path.join(repo, ".work/flux.db"), { readonly: true });
  const state = db.prepare("SELECT state FROM stages WHERE id = 'long'").pluck().get();
  const handedOff = db
    .prepare(
      kind === "agent"
        ? "SELECT at FROM events WHERE type = 'handoff.created' ORDER BY seq LIMIT 1"
        : "SELECT at FROM events WHERE type = 'stage.transitioned' AND data LIKE '%\"to\":\"needs_handoff\"%' ORDER BY seq LIMIT 1",
    )
    .pluck()
    .get() as string | undefined;
  const created = db
    .prepare("SELECT at, data FROM events WHERE type = 'session.created' ORDER BY seq")
    .all() as { at: string; data: string }[];
  db.close();
  if (run.code !== 0 || state !== "merged" || handedOff === undefined || created.length !== 2)
    throw new Error(`${kind}: flux run exited ${run.code}, stage ${String(state)}:\n${run.out}`);
  const requests = model.requests();
  const firstOf = (script: string) => requests.find((r) => r.script === script && r.turn === 0);
  const [one, two] = [firstOf("one"), firstOf("two")];
  const second = (JSON.parse(created[1]!.data) as { session: string }).session;
  const signal = fs.readFileSync(path.join(repo, ".work/signals", `${second}.md`), "utf8");
  return {
    handoffToFirst: Date.parse(two?.ts ?? "") - Date.parse(handedOff),
    startToFirst: Date.parse(one?.ts ?? "") - Date.parse(created[0]!.at),
    signalChars: signal.length,
    prefixChars: stablePrefix(signal).length,
  };
}

/** The floor: `claude -p` spawned directly, to its first model request. */
async function bareStart(n: number): Promise<number> {
  const dir = path.join(tmp, `bare-${n}`);
  fs.mkdirSync(dir, { recursive: true });
  await using model = await startModelServer({ script: [{ end: true, text: "ok" }] });
  const env = cliEnv("claude", model, { root: path.join(dir, "homes") });
  const start = Date.now();
  const child = spawn(
    CLI_BIN.claude,
    ["-p", "--output-format", "stream-json", "--verbose", "say ok"],
    {
      cwd: dir,
      env,
      stdio: ["ignore", "ignore", "ignore"],
    },
  );
  children.add(child);
  const ended = new Promise((resolve) => child.once("close", resolve));
  const first = await model.waitForRequest((r) => r.script !== null, 60_000);
  await ended;
  children.delete(child);
  return Date.parse(first.ts) - start;
}

/**
 * What Claude's context gate costs a green session per tool call: the generated script on a
 * transcript whose last message asked for the tool, against `flux hook` (what each call would
 * cost without the gate: a Node start and the CLI) and the bare `sh -c true` floor.
 */
function gateCost(): { gate: number; hook: number; floor: number } {
  const dir = path.join(tmp, "gate");
  fs.mkdirSync(path.join(dir, "session"), { recursive: true });
  const transcript = path.join(dir, "t.jsonl");
  const line = (id: string, tokens: number) =>
    JSON.stringify({
      type: "assistant",
      isSidechain: false,
      message: {
        usage: { input_tokens: tokens, output_tokens: 5 },
        content: [{ type: "tool_use", id, name: "Bash" }],
      },
    });
  fs.writeFileSync(
    transcript,
    `${Array.from({ length: 200 }, (_, i) => line(`t${i}`, 20_000 + i)).join("\n")}\n`,
  );
  const script = path.join(dir, "gate.sh");
  fs.writeFileSync(
    script,
    contextGateScript({
      sessionDir: path.join(dir, "session"),
      flux: "false",
      warnTokens: 120_000,
    }),
  );
  const payload = path.join(dir, "payload.json");
  fs.writeFileSync(
    payload,
    JSON.stringify({ transcript_path: transcript, tool_use_id: "t199", tool_name: "Bash" }),
  );
  const env = { ...process.env, PAYLOAD: payload };
  const runs = 20;
  const pair = interleaved(
    runs,
    () => timeRun("sh", ["-c", `sh ${script} pre < "$PAYLOAD"`], dir, env),
    () => timeRun("sh", ["-c", "true"], dir, env),
  );
  const hook = interleaved(
    5,
    () => timeRun(process.execPath, [flux, "--version"], dir, env),
    () => 0,
  );
  return { gate: median(pair.a), hook: median(hook.a), floor: median(pair.b) };
}

try {
  const version = execFileSync(CLI_BIN.claude, ["--version"], { encoding: "utf8" }).trim();
  console.log(
    `bench/context: context handoffs with Claude Code ${version} headless, through Flux on the fake model (${RUNS} runs each)`,
  );
  const floor: number[] = [];
  const agent: Sample[] = [];
  const backstop: Sample[] = [];
  for (let n = 0; n < RUNS; n++) {
    floor.push(await bareStart(n));
    agent.push(await handoffRun("agent", n));
    backstop.push(await handoffRun("backstop", n));
  }
  const f = median(floor);
  const gate = gateCost();
  console.log(
    `  Claude's context gate per tool call while green: ${ms(gate.gate)} (sh -c true: ${ms(gate.floor)}; a flux start, what a flux hook call costs at least: ${ms(gate.hook)})`,
  );
  const signal = agent[0]!;
  console.log(
    `  continuation signal: ${Math.round(signal.signalChars / 4)} tokens (chars/4); stable prefix ${Math.round(signal.prefixChars / 4)} tokens = ${((100 * signal.prefixChars) / signal.signalChars).toFixed(0)}%`,
  );
  console.log(`  floor: claude -p spawned → first model request: ${stat(floor)}`);
  console.log(
    `  Flux session start (session.created → first request): ${stat(agent.map((s) => s.startToFirst))}`,
  );
  for (const [label, samples] of [
    ["agent's handoff → continuation's first request", agent],
    ["backstop stop → continuation's first request", backstop],
  ] as const) {
    const times = samples.map((s) => s.handoffToFirst);
    console.log(
      `  ${label}: ${stat(times)} = ${(median(times) / f).toFixed(2)}× the floor (target ≤ 1.5×)`,
    );
  }
} finally {
  cleanup();
}
