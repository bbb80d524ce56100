/**
 * bench/daemon: what a daemon left unattended costs. With BENCH_SESSIONS (50) live sessions of
 * `command` agents that block: the daemon's RSS (target ≤ 150 MB) against a bare node process
 * that only keeps a timer; its CPU over an idle window of BENCH_IDLE_SECONDS (60) against the
 * same node process over the same window (target ≈ 0: no polling); and the time from SIGKILL of
 * the daemon to a new one having re-adopted every session, against a bare daemon start (`flux
 * daemon start -d` until `flux daemon status` answers) on the same repository, measured before
 * the run. Readiness is waited for on file-system events (the agents' markers, the daemon's
 * log), never on fixed sleeps.
 * Run: npm run bench:daemon   (builds first; needs git and tmux)
 */
import type { ChildProcess } from "node:child_process";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { tmuxSocketName } from "../src/server/daemon.ts";
import { median, waitFor } from "./lib.ts";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 50);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const FLOOR_RUNS = Number(process.env.BENCH_FLOOR_RUNS ?? 3);
const RSS_TARGET_MB = 150;
/** A peer tool's daemon idling with no sessions at all. */
const PEER_IDLE_RSS_MB = 114;
/** "≈ 0": under 1 % of one core over the window. */
const CPU_TARGET_PERCENT = 1;
const flux = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/flux.js");
const HZ = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flux-bench-daemon-")));
const repo = path.join(tmp, "repo");
const scratch = path.join(tmp, "scratch");
const socket = tmuxSocketName(repo);
const logFile = path.join(repo, ".work/logs/daemon.log");

/** Our environment without FLUX_* (the bench may run inside a session) and without TMUX. */
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith("FLUX_") && !k.startsWith("TMUX")),
);
Object.assign(env, {
  NO_COLOR: "1",
  FLUX_SESSION_BACKEND: "tmux",
  FLUX_MAX_PARALLEL: String(SESSIONS),
  // Never exit for idleness mid-bench (a daemon with live sessions would not anyway).
  FLUX_IDLE_TIMEOUT: "0s",
  // Per-user state (token, run environment) in the temp directory, removed with it.
  XDG_STATE_HOME: path.join(tmp, "state"),
  XDG_CONFIG_HOME: path.join(tmp, "config"),
});

const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Runs bin/flux.js to its end; throws with its output when it fails. */
function fluxSync(args: string[], timeoutMs = 60_000): string {
  const r = spawnSync(process.execPath, [flux, ...args], {
    cwd: repo,
    env,
    encoding: "utf8",
    timeout: timeoutMs,
  });
  if (r.status !== 0)
    throw new Error(
      `flux ${args.join(" ")} exited ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`,
    );
  return r.stdout;
}

function makeRepo(ids: readonly string[]): void {
  fs.mkdirSync(path.join(repo, "doc/plans"), { recursive: true });
  fs.mkdirSync(scratch);
  git(repo, "init", "-q", "-b", "main");
  git(repo, "config", "user.name", "bench");
  git(repo, "config", "user.email", "bench@example.invalid");
  // The agent says it is up (a marker the bench watches for), then blocks for good.
  const command = `touch '${scratch}'/up-"$FLUX_STAGE_ID" && exec sleep 10000000`;
  const lines = ["# Daemon benchmark", "", "<!-- FLUX METADATA -->", "", "```yaml", "flux:"];
  lines.push("  version: 1", "  defaults:", "    agent: command");
  lines.push(`    command: ${JSON.stringify(command)}`, "  stages:");
  ids.forEach((id, i) => lines.push(`    - id: ${id}`, `      name: "Stage ${i + 1}"`));
  lines.push("```", "", "<!-- END FLUX METADATA -->", "");
  fs.writeFileSync(path.join(repo, "doc/plans/PLAN-bench.md"), lines.join("\n"));
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "bench repository");
  fluxSync(["init", "doc/plans/PLAN-bench.md"]);
}

/**
 * Resolves with `check()`'s first value other than undefined, checked now and after each burst
 * of file-system events of `dir` (inotify; a burst is checked once); rejects after `timeoutMs`.
 */
function whenChanged<T>(
  dir: string,
  what: string,
  check: () => T | undefined,
  timeoutMs = 120_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let pending = false;
    const watcher = fs.watch(dir, () => {
      if (pending) return;
      pending = true;
      setImmediate(() => {
        pending = false;
        test();
      });
    });
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    function test(): void {
      let value: T | undefined;
      try {
        value = check();
      } catch (error) {
        clearTimeout(timer);
        watcher.close();
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (value === undefined) return;
      clearTimeout(timer);
      watcher.close();
      resolve(value);
    }
    test();
  });
}

function daemonPid(): number {
  const info = JSON.parse(fs.readFileSync(path.join(repo, ".work/daemon.json"), "utf8")) as {
    pid: number;
  };
  return info.pid;
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) / 1024;
}

/** CPU in ms so far: the process's own (utime + stime) and its reaped children's (cutime + cstime). */
function cpuMs(pid: number): { self: number; children: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[0] is field 3 of stat
  const ms = (ticks: number) => (ticks * 1000) / HZ;
  return {
    self: ms(Number(f[11]) + Number(f[12])),
    children: ms(Number(f[13]) + Number(f[14])),
  };
}

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

function lastSeq(): number {
  const db = new Database(path.join(repo, ".work/flux.db"), { readonly: true });
  try {
    return (db.prepare("SELECT max(seq) AS seq FROM events").get() as { seq: number }).seq;
  } finally {
    db.close();
  }
}

function runningCount(): number {
  const view = JSON.parse(fluxSync(["status", "--json"])) as { counts: { running?: number } };
  return view.counts.running ?? 0;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** A bare daemon start on this repository (nothing to re-adopt): start -d until status answers. */
function bareStart(): { ms: number; startMs: number; rss: number } {
  const t0 = performance.now();
  fluxSync(["daemon", "start", "-d"]);
  const startMs = performance.now() - t0;
  fluxSync(["daemon", "status"]);
  const ms = performance.now() - t0;
  const rss = rssMb(daemonPid());
  fluxSync(["daemon", "stop"]);
  return { ms, startMs, rss };
}

/** The floor process: node keeping one timer, up once it has printed. */
async function startFloorProcess(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["-e", "setInterval(() => {}, 1e9); process.stdout.write('up\\n')"],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`the floor process exited with ${code}`)));
  });
  return child;
}

const children: ChildProcess[] = [];
const daemonPids = new Set<number>();
try {
  const width = Math.max(2, String(SESSIONS).length);
  const ids = Array.from({ length: SESSIONS }, (_, i) => `s${String(i + 1).padStart(width, "0")}`);
  makeRepo(ids);

  // Floor of the restart: bare daemon starts on the same repository, before any session exists.
  const bare = Array.from({ length: FLOOR_RUNS }, () => bareStart());

  // The run: every stage at once, each agent blocking once it is up.
  const run = spawn(process.execPath, [flux, "run", "--max-parallel", String(SESSIONS)], {
    cwd: repo,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(run);
  let runOut = "";
  run.stdout.setEncoding("utf8").on("data", (d: string) => (runOut += d));
  run.stderr.setEncoding("utf8").on("data", (d: string) => (runOut += d));
  const tRun = performance.now();
  const upCount = () => fs.readdirSync(scratch).filter((f) => f.startsWith("up-")).length;
  await whenChanged(scratch, `${SESSIONS} agents up`, () => {
    if (run.exitCode !== null) throw new Error(`flux run exited ${run.exitCode}:\n${runOut}`);
    return upCount() >= SESSIONS ? true : undefined;
  });
  const upMs = performance.now() - tRun;
  const pid = daemonPid();
  daemonPids.add(pid);
  // The store agrees: every stage running.
  const running = await whenChanged(path.join(repo, ".work"), `${SESSIONS} stages running`, () => {
    const n = runningCount();
    return n >= SESSIONS ? n : undefined;
  });
  // Nobody follows: an unattended daemon (Ctrl-C stops following, never the work).
  run.kill("SIGINT");
  await exited(run);

  // RSS with the sessions live, and idle CPU against the floor process over the same window.
  const floorProc = await startFloorProcess();
  children.push(floorProc);
  const rss = rssMb(pid);
  const floorRss = rssMb(floorProc.pid!);
  const seqBefore = lastSeq();
  const [d0, f0] = [cpuMs(pid), cpuMs(floorProc.pid!)];
  const w0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  const [d1, f1] = [cpuMs(pid), cpuMs(floorProc.pid!)];
  const windowMs = performance.now() - w0;
  const eventsInWindow = lastSeq() - seqBefore;
  floorProc.kill("SIGKILL");
  await exited(floorProc);
  const idleSelf = d1.self - d0.self;
  const idleChildren = d1.children - d0.children;
  const idleFloor = f1.self - f0.self;

  // SIGKILL the daemon; a new one re-adopts every live session.
  const logOffset = fs.statSync(logFile).size;
  const readopted = () => {
    const text = fs.readFileSync(logFile, "utf8").slice(logOffset);
    return new Set(Array.from(text.matchAll(/re-adopted (\S+)/g), (m) => m[1])).size;
  };
  const k0 = performance.now();
  process.kill(pid, "SIGKILL");
  // The kernel tears it down (its lock with it) in a moment: a short poll, not a readiness wait.
  waitFor("the killed daemon to be gone", () => (alive(pid) ? undefined : true), 10_000, 1);
  const goneMs = performance.now() - k0;
  const start = spawn(process.execPath, [flux, "daemon", "start", "-d"], {
    cwd: repo,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(start);
  let startOut = "";
  start.stdout.setEncoding("utf8").on("data", (d: string) => (startOut += d));
  start.stderr.setEncoding("utf8").on("data", (d: string) => (startOut += d));
  let answeredMs = NaN;
  const answered = exited(start).then(() => {
    answeredMs = performance.now() - k0;
    if (start.exitCode !== 0)
      throw new Error(`flux daemon start -d exited ${start.exitCode}:\n${startOut}`);
  });
  answered.catch(() => undefined); // awaited below, after the re-adoption

  const readoptMs = await whenChanged(
    path.dirname(logFile),
    `${SESSIONS} sessions re-adopted`,
    () => (readopted() >= SESSIONS ? performance.now() - k0 : undefined),
  );
  await answered;
  const newPid = daemonPid();
  daemonPids.add(newPid);
  const runningAfter = runningCount();
  const rssAfter = rssMb(newPid);

  // The table.
  const bareMs = median(bare.map((b) => b.ms));
  const bareRss = median(bare.map((b) => b.rss));
  const cpuPct = (ms: number) => (ms / windowMs) * 100;
  const mark = (ok: boolean) => (ok ? "met" : "MISSED");
  const tools = `node ${process.version}, ${git(repo, "--version").trim()}, ${execFileSync("tmux", ["-V"], { encoding: "utf8" }).trim()}, ${os.cpus().length} cores`;
  const row = (what: string, figure: string, floor: string, target: string) =>
    console.log(`  ${what.padEnd(30)} ${figure.padEnd(24)} ${floor.padEnd(30)} ${target}`);
  console.log(
    `bench/daemon: ${SESSIONS} live sessions (command agents blocked in sleep), idle window ${IDLE_SECONDS} s, ${FLOOR_RUNS} bare starts (${tools})`,
  );
  console.log(
    `  ${SESSIONS} agents up ${upMs.toFixed(0)} ms after \`flux run\`; stages running: ${running} before the kill, ${runningAfter} after re-adoption`,
  );
  console.log("");
  row("", "figure", "floor (same run)", "target");
  row(
    `RSS, ${SESSIONS} live sessions`,
    `${rss.toFixed(1)} MB`,
    `${floorRss.toFixed(1)} MB node + timer`,
    `≤ ${RSS_TARGET_MB} MB: ${mark(rss <= RSS_TARGET_MB)}`,
  );
  row("RSS, bare daemon (0 sessions)", `${bareRss.toFixed(1)} MB`, "", "");
  row(`RSS, after re-adoption`, `${rssAfter.toFixed(1)} MB`, "", "");
  const idleTotal = idleSelf + idleChildren;
  row(
    `idle CPU over ${(windowMs / 1000).toFixed(1)} s`,
    `${idleTotal.toFixed(0)} ms (${cpuPct(idleTotal).toFixed(2)} %)`,
    `${idleFloor.toFixed(0)} ms (${cpuPct(idleFloor).toFixed(2)} %) node + timer`,
    `≈ 0 (< ${CPU_TARGET_PERCENT} % of a core): ${mark(cpuPct(idleTotal) < CPU_TARGET_PERCENT)}`,
  );
  row(
    "  of which reaped children",
    `${idleChildren.toFixed(0)} ms`,
    "",
    `events in the window: ${eventsInWindow}`,
  );
  row(
    "SIGKILL → all re-adopted",
    `${readoptMs.toFixed(0)} ms (${(readoptMs / bareMs).toFixed(2)}×)`,
    `${bareMs.toFixed(0)} ms bare start → status`,
    "none stated (ratio to the floor)",
  );
  row("  SIGKILL → process gone", `${goneMs.toFixed(0)} ms`, "", "");
  row(
    "  SIGKILL → start -d answered",
    `${answeredMs.toFixed(0)} ms`,
    `${median(bare.map((b) => b.startMs)).toFixed(0)} ms bare start -d alone`,
    "",
  );
  console.log("");
  console.log(
    `  for reference: a peer tool's daemon idles at ${PEER_IDLE_RSS_MB} MB RSS with no sessions`,
  );
} finally {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await Promise.all(children.map(exited));
  spawnSync(process.execPath, [flux, "daemon", "stop"], {
    cwd: repo,
    env,
    stdio: "ignore",
    timeout: 20_000,
  });
  for (const pid of daemonPids) if (alive(pid)) process.kill(pid, "SIGKILL");
  spawnSync("tmux", ["-L", socket, "kill-server"], { env, stdio: "ignore" });
  // tmux leaves its socket file (and a server start's lock) behind.
  const socketFile = path.join(
    process.env.TMUX_TMPDIR ?? "/tmp",
    `tmux-${process.getuid?.() ?? 0}`,
    socket,
  );
  for (const file of [socketFile, `${socketFile}.lock`]) fs.rmSync(file, { force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
}
