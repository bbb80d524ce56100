/**
 * Leak detection for test/kit/setup.ts: after each test, anything the test started or made and
 * did not end or remove fails that test — a daemon, a tmux server, an agent, any other process,
 * a temp directory or file, a tmux socket file.
 *
 * How a leak is attributed to the test that made it:
 * - Processes: each test runs with its own value of {@link SCOPE_VAR} in process.env, which every
 *   process it starts inherits — through `flux`, a detached daemon (reparented to init, so no
 *   longer our descendant), the daemon's tmux server and the sessions in it. /proc/<pid>/environ
 *   shows it. Processes that a test started with an environment of their own are found as
 *   descendants of this worker instead.
 * - Temp files: each test file's worker gets its own TMPDIR (so runs of other files, or of other
 *   people's tests, never look like ours): an entry of ours (`flux-*`, `fxt-*`) that appears
 *   there during a test and is still there after it is the test's. `tempDir()` directories are the kit's to remove (they live
 *   for one test) and are removed before the check; `tempRepo()` and `privateTmux()` register
 *   what their dispose must remove ({@link mustRemove}).
 *
 * After reporting, the detector ends and removes what leaked, so the next test starts clean.
 * A test failing for a leak says what leaked (pid, command line, path), never just "leak".
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** The environment variable that marks a process as started by a test of this worker. */
export const SCOPE_VAR = "TEST_LEAK_SCOPE";

/**
 * How long a process may take to go after its test ended it (a tmux server, a stopping daemon),
 * in ms; TEST_LEAK_GRACE_MS changes it (the detector's own test, whose leaks never go).
 */
const PROCESS_GRACE_MS = Number(process.env.TEST_LEAK_GRACE_MS ?? 5_000);
/** Temp entries Flux and its tests make: tempDir's prefixes, privateTmux's, the product's own. */
const OURS = /^(flux-|fxt-)/;
const POLL_MS = 50;

/** This worker: one per test file (vitest `pool: "forks"`). */
const worker = `${process.pid}.${randomBytes(3).toString("hex")}`;

/** Paths some fixture's dispose must remove: what made them, and in which scope. */
const owed = new Map<string, { what: string; scope: string }>();

/**
 * Registers a path that a fixture's dispose is responsible for removing, checked when the
 * current test ends (or the file, for a fixture made outside any test).
 */
export function mustRemove(file: string, what: string): void {
  owed.set(file, { what, scope });
}

/** True while a test (or its beforeEach/afterEach) runs. */
export function inTest(): boolean {
  return scope !== "file";
}

export interface Leak {
  kind: "process" | "path";
  /** What to tell the test's author. */
  what: string;
  /** What cleanUp() ends or removes. */
  pid?: number;
  path?: string;
}

/** The per-worker temp root: everything os.tmpdir() hands out during the file goes under it. */
let tmpRoot: string | undefined;
/** TMPDIR as the worker found it, put back when the file ends (a worker may run another file). */
let tmpOriginal: { value: string | undefined } | undefined;
/** Entries of tmpRoot when the current test began. */
let tmpBefore = new Set<string>();
/**
 * The pids running when the current test began: only newer ones are looked at for the test's
 * mark. A pid reused within one test (the counter wrapping) would hide a leak, never invent one.
 */
let procsBefore = new Set<number>();
/** The scope of the current test, or "file" between tests. */
let scope = "file";
let testNumber = 0;

/** Gives this worker its own TMPDIR; called once, before the file's first test. */
export function isolateTmp(): void {
  if (tmpRoot !== undefined) return;
  tmpOriginal = { value: process.env.TMPDIR };
  const system = os.tmpdir();
  // Short: tmux and the daemon put unix sockets under it, and socket paths hold ~100 bytes.
  tmpRoot = fs.realpathSync(fs.mkdtempSync(path.join(system, "fxw-")));
  process.env.TMPDIR = tmpRoot;
  process.env[SCOPE_VAR] = `${worker}/file`;
}

export function beginTest(): void {
  scope = String(++testNumber);
  process.env[SCOPE_VAR] = `${worker}/${scope}`;
  tmpBefore = new Set(tmpEntries());
  procsBefore = new Set(
    fs
      .readdirSync("/proc")
      .filter((e) => /^\d+$/.test(e))
      .map(Number),
  );
}

/**
 * The leaks of the test that just ended, after giving its processes time to go. `settle` runs
 * once they are gone, before the paths are looked at: it removes what the test may leave (its
 * tempDir()s), which an agent on its way out may still write into (Claude saves its config as it
 * exits).
 */
export async function endTest(settle: () => void = () => {}): Promise<Leak[]> {
  const mark = `${worker}/${scope}`;
  const processes = await lingering((value) => value === mark, procsBefore);
  settle();
  const leaks = [...processes, ...leftPaths(scope)];
  scope = "file";
  process.env[SCOPE_VAR] = `${worker}/file`;
  return leaks;
}

/** What the whole file left: processes started outside tests, and our entries in its TMPDIR. */
export async function endFile(settle: () => void = () => {}): Promise<Leak[]> {
  tmpBefore = new Set();
  const ours = `${worker}/`;
  const processes = await lingering((value) => value.startsWith(ours));
  settle();
  return [...processes, ...leftPaths(undefined)];
}

/** Ends leaked processes and removes leaked paths, so they are reported once. */
export function cleanUp(leaks: readonly Leak[]): void {
  for (const leak of leaks) {
    if (leak.pid !== undefined) {
      try {
        process.kill(leak.pid, "SIGKILL");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      }
    }
    if (leak.path !== undefined) fs.rmSync(leak.path, { recursive: true, force: true });
  }
}

/** Removes the worker's TMPDIR itself, at the end of the file. */
export function removeTmpRoot(): void {
  if (tmpRoot !== undefined) fs.rmSync(tmpRoot, { recursive: true, force: true });
  tmpRoot = undefined;
  if (tmpOriginal?.value === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = tmpOriginal.value;
  delete process.env[SCOPE_VAR];
}

export function describeLeaks(leaks: readonly Leak[]): string {
  return [
    "the test left things behind (dispose what it starts: `await using`):",
    ...leaks.map((l) => `  ${l.kind}: ${l.what}`),
  ].join("\n");
}

function tmpEntries(): string[] {
  if (tmpRoot === undefined) return [];
  return fs.readdirSync(tmpRoot);
}

/**
 * Owed paths of `owner` (every scope when undefined) still there, and entries of the worker's
 * TMPDIR that were not there when the test began; the owed ones checked are forgotten.
 */
function leftPaths(owner: string | undefined): Leak[] {
  const leaks: Leak[] = [];
  for (const [file, { what, scope: made }] of owed) {
    if (owner !== undefined && made !== owner) continue;
    owed.delete(file);
    if (fs.existsSync(file)) leaks.push({ kind: "path", what: `${file} (${what})`, path: file });
  }
  for (const entry of tmpEntries()) {
    const full = path.join(tmpRoot ?? "", entry);
    // Ours only: agent CLIs keep their own caches in TMPDIR (claude-<uid>, bun's .so files),
    // which go with the worker's TMPDIR when the file ends.
    if (!OURS.test(entry) || tmpBefore.has(entry) || leaks.some((l) => l.path === full)) continue;
    leaks.push({
      kind: "path",
      what: `${full} (made in the test's TMPDIR)${peek(full)}`,
      path: full,
    });
  }
  return leaks;
}

/**
 * The start of a leaked file, which is removed next: a `flux-error-<pid>.log` is the only
 * account of an internal error in some flux command the test ran.
 */
function peek(file: string): string {
  if (!fs.statSync(file).isFile()) return "";
  const lines = fs.readFileSync(file, "utf8").split("\n").slice(0, 8);
  return `:\n      ${lines.join("\n      ")}`;
}

/** Processes whose scope matches (or descendants of this worker) still running after the grace period. */
async function lingering(match: (scope: string) => boolean, since?: Set<number>): Promise<Leak[]> {
  const deadline = Date.now() + PROCESS_GRACE_MS;
  for (;;) {
    const found = processesOf(match, since);
    if (found.length === 0 || Date.now() >= deadline) return found;
    await sleep(POLL_MS);
  }
}

interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
}

function allProcesses(): Map<number, ProcInfo> {
  const procs = new Map<number, ProcInfo>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readStat(Number(entry));
    if (info !== undefined) procs.set(info.pid, info);
  }
  return procs;
}

/**
 * Our processes among those running: descendants of this worker, and those whose scope
 * matches. Only processes that were not running at `since` can carry the current test's scope,
 * so only their environments are read (that read is the cost of a scan).
 */
function processesOf(match: (scope: string) => boolean, since?: Set<number>): Leak[] {
  const procs = allProcesses();
  const mine = new Set<number>();
  for (const info of procs.values()) {
    // A zombie has ended; its parent (init, or a test's child process object) reaps it.
    if (info.pid === process.pid || info.state === "Z") continue;
    const old = since?.has(info.pid) === true;
    if (isDescendant(info, procs) || (!old && hasScope(info.pid, match))) mine.add(info.pid);
  }
  return [...mine].map((pid) => ({
    kind: "process",
    what: `pid ${pid}: ${commandLine(pid)}`,
    pid,
  }));
}

function isDescendant(info: ProcInfo, procs: Map<number, ProcInfo>): boolean {
  for (let p = procs.get(info.ppid); p !== undefined; p = procs.get(p.ppid)) {
    if (p.pid === process.pid) return true;
    if (p.pid <= 1) return false;
  }
  return false;
}

function hasScope(pid: number, match: (scope: string) => boolean): boolean {
  const environ = readProc(pid, "environ");
  if (environ === undefined) return false;
  const name = `${SCOPE_VAR}=`;
  return environ
    .split("\0")
    .some((entry) => entry.startsWith(name) && match(entry.slice(name.length)));
}

function readStat(pid: number): ProcInfo | undefined {
  const stat = readProc(pid, "stat");
  if (stat === undefined) return undefined;
  // "pid (comm) state ppid …": comm may hold spaces and parentheses; it ends at the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { pid, state: fields[0] ?? "?", ppid: Number(fields[1]) };
}

function commandLine(pid: number): string {
  const cmdline = readProc(pid, "cmdline");
  return cmdline === undefined ? "(gone)" : cmdline.split("\0").join(" ").trim().slice(0, 300);
}

/** A /proc file of a process, or undefined when the process is gone or not ours to read. */
function readProc(pid: number, file: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH" || code === "EACCES" || code === "EPERM")
      return undefined;
    throw error;
  }
}
