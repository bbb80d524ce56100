/**
 * How clients reach the daemon. `.work/daemon.json` (0600) says where it listens — pid,
 * address, version, and where its per-user state lives; the admin token itself is kept there,
 * in the per-user state directory (`daemon-token`, 0600), never under `.work/`, which every
 * session reaches through its worktree's `.work` symlink (DESIGN.md §3).
 */
import fs from "node:fs";
import path from "node:path";
import { ensureStateDir } from "../store/state-dir.ts";
import { writeAtomic } from "../store/fs.ts";

export interface DaemonInfo {
  pid: number;
  url: string;
  /** The admin token: the human's CLI and the dashboard. Never given to sessions. */
  token: string;
  startedAt: string;
  version: string;
  /** The repository's per-user state directory (the token, session specs, the run's environment). */
  stateDir: string;
}

export function daemonFile(work: string): string {
  return path.join(work, "daemon.json");
}

export function adminTokenFile(stateDir: string): string {
  return path.join(stateDir, "daemon-token");
}

export function writeDaemonInfo(work: string, info: DaemonInfo): void {
  const { token, ...where } = info;
  // The token first: a client that finds daemon.json finds the token too.
  ensureStateDir(info.stateDir);
  writeAtomic(adminTokenFile(info.stateDir), `${token}\n`, 0o600);
  writeAtomic(daemonFile(work), `${JSON.stringify(where, null, 2)}\n`, 0o600);
}

/**
 * The daemon's address and admin token, or undefined when no daemon.json is there. A token
 * that cannot be read (another user's daemon, a removed state directory) reads as "" and the
 * daemon answers 401, which says so.
 */
export function readDaemonInfo(work: string): DaemonInfo | undefined {
  let where: Omit<DaemonInfo, "token">;
  try {
    where = JSON.parse(fs.readFileSync(daemonFile(work), "utf8")) as Omit<DaemonInfo, "token">;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || error instanceof SyntaxError) return undefined;
    throw error;
  }
  let token = "";
  try {
    token = fs.readFileSync(adminTokenFile(where.stateDir), "utf8").trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (
      code !== "ENOENT" &&
      code !== "EACCES" &&
      code !== "EPERM" &&
      code !== "ERR_INVALID_ARG_TYPE"
    )
      throw error;
  }
  return { ...where, token };
}

/** Removes the file if it still describes this process (a successor may have written its own). */
export function removeDaemonInfo(work: string, pid: number): void {
  const info = readDaemonInfo(work);
  if (info?.pid !== pid) return;
  fs.rmSync(daemonFile(work), { force: true });
  fs.rmSync(adminTokenFile(info.stateDir), { force: true });
}
