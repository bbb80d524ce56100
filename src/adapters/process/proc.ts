/**
 * Is a recorded process still the one we started, and is its process group still there?
 *
 * A pid alone can be reused by an unrelated process after ours ends, so on Linux the recorded
 * start time (/proc/<pid>/stat field 22, clock ticks since boot) must match too. Zombies count
 * as gone: an exited process whose parent has not reaped it (in containers pid 1 often never
 * does) still answers `kill(pid, 0)`. Without /proc (macOS) only `kill(pid, 0)` is left.
 */
import fs from "node:fs";

interface ProcStat {
  state: string;
  pgrp: number;
  startTime: string;
}

let procAvailable: boolean | undefined;
function hasProc(): boolean {
  procAvailable ??= fs.existsSync("/proc/self/stat");
  return procAvailable;
}

/**
 * Reads /proc/<pid>/stat; undefined when there is no such process, "denied" when /proc hides
 * other users' processes (hidepid) — such a process is not one of ours.
 */
function readStat(pid: number): ProcStat | "denied" | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ESRCH: the process vanished between opening and reading.
    if (code === "ENOENT" || code === "ESRCH") return undefined;
    if (code === "EACCES" || code === "EPERM") return "denied";
    throw error;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and ")".
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const [state, , pgrp] = rest;
  const startTime = rest[19];
  if (state === undefined || pgrp === undefined || startTime === undefined) return undefined;
  return { state, pgrp: Number(pgrp), startTime };
}

/** The start time to record for a process just started, where the system tells. */
export function processStartTime(pid: number): string | undefined {
  const stat = hasProc() ? readStat(pid) : undefined;
  return typeof stat === "object" ? stat.startTime : undefined;
}

/**
 * "alive": the recorded process runs; "gone": it ended; "other": the pid now belongs to a
 * different process (or one we may not signal), so neither it nor its group is ours.
 */
export type LeaderStatus = "alive" | "gone" | "other";

export function leaderStatus(pid: number, startTime: string | undefined): LeaderStatus {
  if (hasProc()) {
    const stat = readStat(pid);
    if (stat === undefined) return "gone";
    if (stat === "denied") return "other";
    if (startTime !== undefined && stat.startTime !== startTime) return "other";
    return stat.state === "Z" ? "gone" : "alive";
  }
  try {
    process.kill(pid, 0);
    return "alive";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ESRCH") return "gone";
    // Our children run as our user; a pid we may not signal was reused by someone else.
    if (code === "EPERM") return "other";
    throw error;
  }
}

/** The process group of `pid`, where /proc tells. */
export function processGroup(pid: number): number | undefined {
  const stat = hasProc() ? readStat(pid) : undefined;
  return typeof stat === "object" ? stat.pgrp : undefined;
}

/** Whether any live (non-zombie) process is in process group `pgid`. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ESRCH") return false;
    if (code !== "EPERM") throw error;
  }
  if (!hasProc()) return true;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (typeof stat === "object" && stat.pgrp === pgid && stat.state !== "Z") return true;
  }
  return false;
}

/** Signals every process in group `pgid`; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}
