/**
 * bench/dispatch: how long Flux takes from a stage's merge to its dependent's agent running, on
 * a generated chain of instant `command` stages, against the bare floor of the same steps done
 * by hand (git worktree add + tmux new-session + a node start-up) measured in the same run on
 * the same repository; the whole-run overhead per stage against the whole per-stage floor
 * (worktree add, tmux, two node starts, the acceptance shell, a merge's four git commands,
 * worktree remove), measured the same way; and the CPU an idle daemon burns.
 * Run: npm run bench:dispatch   (builds first; needs git and tmux)
 */
import type { ChildProcess } from "node:child_process";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { tmuxSocketName } from "../src/server/daemon.ts";
import { median, percentile, timeRun, waitFor } from "./lib.ts";

const STAGES = Number(process.env.BENCH_STAGES ?? 50);
const FILES = Number(process.env.BENCH_FILES ?? 200);
const FLOOR_RUNS = Number(process.env.BENCH_FLOOR_RUNS ?? 15);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const TARGET = 1.5;
/** A peer tool measured on this kind of chain: median from a job's end to its dependent's start. */
const PEER_MS = 2600;
const flux = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/flux.js");

/** Our environment without FLUX_* (the bench may run inside a session) and without TMUX. */
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith("FLUX_") && !k.startsWith("TMUX")),
);
Object.assign(env, { NO_COLOR: "1", FLUX_SESSION_BACKEND: "tmux" });

const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** `<id> <ns>` lines appended by sh → id → epoch ms. */
function readStamps(file: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const [id, ns] = line.split(" ");
    if (id !== undefined && ns !== undefined) out.set(id, Number(BigInt(ns) / 1000n) / 1000);
  }
  return out;
}

const stat = (xs: readonly number[]): string =>
  `median ${median(xs).toFixed(0)} · p90 ${percentile(xs, 90).toFixed(0)} · ` +
  `min ${Math.min(...xs).toFixed(0)} · max ${Math.max(...xs).toFixed(0)} ms`;

function planText(ids: readonly string[], starts: string, dones: string): string {
  // Record the start first (one `date` fork), then a tiny commit, then hand over to Flux.
  const command =
    `printf '%s %s\\n' "$FLUX_STAGE_ID" "$(date +%s%N)" >> '${starts}'; ` +
    `echo "$FLUX_STAGE_ID" > "change-$FLUX_STAGE_ID.txt" && git add "change-$FLUX_STAGE_ID.txt" && ` +
    `git commit -qm "$FLUX_STAGE_ID" && ` +
    `printf '%s %s\\n' "$FLUX_STAGE_ID" "$(date +%s%N)" >> '${dones}' && "$FLUX_BIN" stage complete`;
  const lines = ["# Dispatch benchmark", "", "<!-- FLUX METADATA -->", "", "```yaml", "flux:"];
  lines.push("  version: 1", "  defaults:", "    agent: command");
  lines.push(`    command: ${JSON.stringify(command)}`, "  stages:");
  ids.forEach((id, i) => {
    lines.push(`    - id: ${id}`, `      name: "Stage ${i + 1}"`);
    if (i > 0) lines.push(`      dependencies: [${ids[i - 1]}]`);
  });
  lines.push("```", "", "<!-- END FLUX METADATA -->", "");
  return lines.join("\n");
}

function makeRepo(repo: string, ids: readonly string[], tmp: string): void {
  fs.mkdirSync(path.join(repo, "files"), { recursive: true });
  fs.mkdirSync(path.join(repo, "doc/plans"), { recursive: true });
  git(repo, "init", "-q", "-b", "main");
  git(repo, "config", "user.name", "bench");
  git(repo, "config", "user.email", "bench@example.invalid");
  for (let i = 0; i < FILES; i++) {
    const body = Array.from({ length: 40 }, (_, l) => `file ${i} line ${l}`).join("\n");
    fs.writeFileSync(path.join(repo, "files", `f${String(i).padStart(4, "0")}.txt`), `${body}\n`);
  }
  const plan = planText(ids, path.join(tmp, "starts.txt"), path.join(tmp, "dones.txt"));
  fs.writeFileSync(path.join(repo, "doc/plans/PLAN-bench.md"), plan);
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "bench repository");
  timeRun(process.execPath, [flux, "init", "doc/plans/PLAN-bench.md"], repo, env);
}

interface EventRow {
  at: string;
  type: string;
  stage_id: string | null;
  data: string;
}

/** Per dependent stage: the dispatch latency and where it went, from the event log and runner logs. */
function analyseChain(repo: string, ids: readonly string[], starts: Map<string, number>) {
  const db = new Database(path.join(repo, ".work/flux.db"), { readonly: true });
  const rows = db.prepare("SELECT at, type, stage_id, data FROM events ORDER BY seq").all();
  db.close();
  const merged = new Map<string, number>();
  const created = new Map<string, { at: number; session: string }>();
  for (const row of rows as EventRow[]) {
    if (row.stage_id === null) continue;
    const data = JSON.parse(row.data) as { to?: string; session?: string };
    if (row.type === "stage.transitioned" && data.to === "merged") {
      merged.set(row.stage_id, Date.parse(row.at));
    } else if (row.type === "session.created" && data.session !== undefined) {
      created.set(row.stage_id, { at: Date.parse(row.at), session: data.session });
    }
  }
  const out = { total: [] as number[], prepare: [] as number[], runner: [] as number[] };
  const agent: number[] = [];
  for (let i = 1; i < ids.length; i++) {
    const [dep, id] = [ids[i - 1]!, ids[i]!];
    const mergedAt = merged.get(dep);
    const startedAt = starts.get(id);
    const session = created.get(id);
    if (mergedAt === undefined || startedAt === undefined || session === undefined) {
      throw new Error(`${id}: no merge of ${dep}, no session or no recorded agent start`);
    }
    const log = path.join(repo, ".work/logs", `${session.session}.ndjson`);
    const first = JSON.parse(fs.readFileSync(log, "utf8").split("\n")[0]!) as { t: string };
    const runnerAt = Date.parse(first.t);
    out.total.push(startedAt - mergedAt);
    out.prepare.push(session.at - mergedAt);
    out.runner.push(runnerAt - session.at);
    agent.push(startedAt - runnerAt);
  }
  return { ...out, agent };
}

/** The floor: worktree add, tmux new-session on the repo's socket, node start-up, `date`. */
function measureFloor(repo: string, socket: string, tmp: string) {
  const stamps = path.join(tmp, "floor.txt");
  const total: number[] = [];
  const worktree: number[] = [];
  for (let i = 0; i < FLOOR_RUNS; i++) {
    const id = `floor-${i}`;
    const wt = path.join(repo, ".worktrees", id);
    const script = `'${process.execPath}' '${flux}' --version >/dev/null; printf '%s %s\\n' ${id} "$(date +%s%N)" >> '${stamps}'`;
    const t0 = Date.now();
    git(repo, "worktree", "add", "--no-track", "-b", `bench/${id}`, wt, "refs/heads/main");
    const t1 = Date.now();
    execFileSync(
      "tmux",
      ["-L", socket, "new-session", "-d", "-s", id, "-c", wt, "--", "sh", "-c", script],
      { env },
    );
    const started = waitFor(`${id} to start`, () => readStamps(stamps).get(id));
    total.push(started - t0);
    worktree.push(t1 - t0);
    // Like Flux's chain, where each session has ended (and tmux exited) before the next starts.
    waitFor(`${id} to end`, () =>
      spawnSync("tmux", ["-L", socket, "has-session"], { env }).status === 0 ? undefined : true,
    );
    git(repo, "worktree", "remove", "--force", wt);
    git(repo, "branch", "-D", `bench/${id}`);
  }
  return { total, worktree };
}

/**
 * The whole per-stage floor, by hand with the same tools on the same repository: git worktree
 * add, a tmux session running two node starts of bin/flux.js (the runner and `stage complete`)
 * and the acceptance shell (`sh -c true`), the four git commands of a merge as Flux makes it
 * (merge-tree, commit-tree, update-ref, read-tree -m -u), and git worktree remove. The agent's
 * own commit is made untimed, as the whole-run figure subtracts the agent's work.
 */
function measureStageFloor(repo: string, socket: string, tmp: string) {
  const stamps = path.join(tmp, "stage-floor.txt");
  const totals: number[] = [];
  for (let i = 0; i < FLOOR_RUNS; i++) {
    const id = `whole-${i}`;
    const wt = path.join(repo, ".worktrees", id);
    const branch = `bench/${id}`;
    const node = `'${process.execPath}' '${flux}' --version >/dev/null`;
    const script = `${node}; ${node}; sh -c true; printf '%s %s\n' ${id} "$(date +%s%N)" >> '${stamps}'`;
    let t = Date.now();
    git(repo, "worktree", "add", "--no-track", "-b", branch, wt, "refs/heads/main");
    execFileSync(
      "tmux",
      ["-L", socket, "new-session", "-d", "-s", id, "-c", wt, "--", "sh", "-c", script],
      { env },
    );
    waitFor(`${id} to run`, () => readStamps(stamps).get(id));
    waitFor(`${id} to end`, () =>
      spawnSync("tmux", ["-L", socket, "has-session"], { env }).status === 0 ? undefined : true,
    );
    let timed = Date.now() - t;
    // The agent's commit: untimed, like the agent's work in the whole-run figure.
    fs.writeFileSync(path.join(wt, `floor-${id}.txt`), `${id}\n`);
    git(wt, "add", `floor-${id}.txt`);
    git(wt, "commit", "-qm", id);
    t = Date.now();
    const base = git(repo, "rev-parse", "refs/heads/main").trim();
    const tree = git(repo, "merge-tree", "--write-tree", base, branch).trim().split("\n")[0]!;
    const merge = git(
      repo,
      "commit-tree",
      tree,
      "-p",
      base,
      "-p",
      branch,
      "-m",
      `Merge ${id}`,
    ).trim();
    git(repo, "update-ref", "refs/heads/main", merge, base);
    git(repo, "read-tree", "-m", "-u", base, merge);
    git(repo, "worktree", "remove", "--force", wt);
    timed += Date.now() - t;
    git(repo, "branch", "-D", branch);
    totals.push(timed);
  }
  return totals;
}

/** user + system CPU of a process so far, in ms (from /proc/<pid>/stat, in clock ticks). */
function cpuMs(pid: number, hz: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / hz; // fields 14 and 15 of stat
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** CPU used by a daemon with nothing to do, over IDLE_SECONDS. */
async function measureIdle(repo: string, tmp: string, daemons: ChildProcess[]): Promise<number> {
  const hz = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  const log = fs.openSync(path.join(tmp, "daemon.log"), "a");
  const child = spawn(process.execPath, [flux, "daemon", "start"], {
    cwd: repo,
    env: { ...env, FLUX_IDLE_TIMEOUT: "0s" },
    stdio: ["ignore", log, log],
  });
  daemons.push(child);
  const info = path.join(repo, ".work/daemon.json");
  while (!fs.existsSync(info)) {
    if (child.exitCode !== null) throw new Error(`the daemon exited with ${child.exitCode}`);
    await sleep(10);
  }
  const before = cpuMs(child.pid!, hz);
  await sleep(IDLE_SECONDS * 1000);
  const used = cpuMs(child.pid!, hz) - before;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited(child);
  clearTimeout(timer);
  fs.closeSync(log);
  if (child.exitCode !== 0)
    throw new Error(`the daemon exited with ${child.exitCode ?? child.signalCode}`);
  return used;
}

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flux-bench-dispatch-")));
const repo = path.join(tmp, "repo");
const socket = tmuxSocketName(repo);
const daemons: ChildProcess[] = [];
try {
  const width = String(STAGES).length < 2 ? 2 : String(STAGES).length;
  const ids = Array.from({ length: STAGES }, (_, i) => `s${String(i + 1).padStart(width, "0")}`);
  makeRepo(repo, ids, tmp);

  const t0 = Date.now();
  const run = spawnSync(process.execPath, [flux, "run", "--foreground"], {
    cwd: repo,
    env,
    encoding: "utf8",
    timeout: STAGES * 30_000,
  });
  const wallMs = Date.now() - t0;
  if (run.status !== 0) {
    throw new Error(
      `flux run exited ${run.status ?? run.signal}:\n${(run.stdout + run.stderr).slice(-3000)}`,
    );
  }
  const starts = readStamps(path.join(tmp, "starts.txt"));
  const dones = readStamps(path.join(tmp, "dones.txt"));
  const d = analyseChain(repo, ids, starts);
  const agentWork = ids.reduce(
    (sum, id) => sum + (dones.get(id) ?? NaN) - (starts.get(id) ?? NaN),
    0,
  );

  const floor = measureFloor(repo, socket, tmp);
  const stageFloor = measureStageFloor(repo, socket, tmp);
  const nodeStart = median(
    Array.from({ length: 5 }, () => timeRun(process.execPath, [flux, "--version"], repo, env)),
  );
  const idleCpu = await measureIdle(repo, tmp, daemons);

  const ratio = median(d.total) / median(floor.total);
  const tools = `node ${process.version}, ${git(repo, "--version").trim()}, ${execFileSync("tmux", ["-V"], { encoding: "utf8" }).trim()}`;
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  console.log(
    `bench/dispatch: ${STAGES}-stage chain, ${FILES} files, ${FLOOR_RUNS} floor runs (${tools})`,
  );
  console.log(
    `  dispatch: merge event of a stage → its dependent's agent started (${d.total.length} stages)`,
  );
  console.log(`    ${stat(d.total)}`);
  console.log(
    `    merge → session.created (worktree add, signal, spec, db)   median ${ms(median(d.prepare))}`,
  );
  console.log(
    `    session.created → runner's first log line (tmux, node, CLI) median ${ms(median(d.runner))}`,
  );
  console.log(
    `    runner's first log line → agent's \`date\` (spawn sh)        median ${ms(median(d.agent))}`,
  );
  console.log(`  floor: git worktree add + tmux new-session + node bin/flux.js --version + date`);
  console.log(`    ${stat(floor.total)}`);
  console.log(
    `    of which git worktree add median ${ms(median(floor.worktree))}; node bin/flux.js --version alone (spawnSync) median ${ms(nodeStart)}`,
  );
  console.log(
    `  ratio            ${ratio.toFixed(2)}× (target ≤ ${TARGET}×: ${ratio <= TARGET ? "met" : "MISSED"})`,
  );
  console.log(
    `  for reference    a peer tool's median from a job's end to its dependent's start: ${ms(PEER_MS)}`,
  );
  console.log(
    `  whole run        flux run --foreground wall ${ms(wallMs)} / ${STAGES} = ${ms(wallMs / STAGES)} per stage`,
  );
  console.log(
    `                   minus Σ agent work (its start → just before \`stage complete\`, ${ms(agentWork)}): ` +
      `${ms((wallMs - agentWork) / STAGES)} overhead per stage`,
  );
  const overhead = (wallMs - agentWork) / STAGES;
  const wholeRatio = overhead / median(stageFloor);
  console.log(
    `  per-stage floor  worktree add + tmux session (2 node starts of bin/flux.js + sh -c true) + the merge's 4 git commands + worktree remove`,
  );
  console.log(`                   ${stat(stageFloor)}`);
  console.log(
    `  whole-run ratio  ${ms(overhead)} overhead per stage / ${ms(median(stageFloor))} floor = ${wholeRatio.toFixed(2)}× (target ≤ ${TARGET}×: ${wholeRatio <= TARGET ? "met" : "MISSED"})`,
  );
  console.log(
    `  idle daemon      ${ms(idleCpu)} CPU (user + system) over ${IDLE_SECONDS} s with nothing to do (target: near zero)`,
  );
} finally {
  for (const child of daemons)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await Promise.all(daemons.map(exited));
  spawnSync("tmux", ["-L", socket, "kill-server"], { env, stdio: "ignore" });
  fs.rmSync(tmp, { recursive: true, force: true });
}
