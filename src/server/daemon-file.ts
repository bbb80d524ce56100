/** `.work/daemon.json` (mode 0600): how clients reach the daemon — pid, address, admin token. */
import fs from "node:fs";
import path from "node:path";
import { writeAtomic } from "../store/fs.ts";

export interface DaemonInfo {
  pid: number;
  url: string;
  /** The admin token: the human's CLI and the dashboard. Never given to sessions. */
  token: string;
  startedAt: string;
  version: string;
}

export function daemonFile(work: string): string {
  return path.join(work, "daemon.json");
}

export function writeDaemonInfo(work: string, info: DaemonInfo): void {
  writeAtomic(daemonFile(work), `${JSON.stringify(info, null, 2)}\n`, 0o600);
}

export function readDaemonInfo(work: string): DaemonInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(daemonFile(work), "utf8")) as DaemonInfo;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Removes the file if it still describes this process (a successor may have written its own). */
export function removeDaemonInfo(work: string, pid: number): void {
  const info = readDaemonInfo(work);
  if (info?.pid === pid) fs.rmSync(daemonFile(work), { force: true });
}
