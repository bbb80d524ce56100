/**
 * Where an internal error's details go: a private directory (0700) under the per-user state
 * home, in a file created afresh with O_EXCL (0600), so a file or symlink planted in a shared
 * temp directory is never written through.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** `$XDG_STATE_HOME/flux/errors` (default `~/.local/state/flux/errors`), 0700. */
export function errorLogDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME;
  const base =
    state !== undefined && state !== "" ? state : path.join(os.homedir(), ".local", "state");
  return path.join(base, "flux", "errors");
}

/** Writes an internal error's details to a new 0600 file; returns its path. */
export function writeErrorLog(content: string, dir = errorLogDir()): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.())
    throw new Error(`${dir} is not a directory of this user`);
  fs.chmodSync(dir, 0o700);
  for (let attempt = 0; ; attempt++) {
    const file = path.join(
      dir,
      `flux-error-${process.pid}${attempt === 0 ? "" : `-${attempt}`}.log`,
    );
    let fd: number;
    try {
      // wx: O_CREAT | O_EXCL — fails on any existing path, a symlink included.
      fd = fs.openSync(file, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST" && attempt < 100) continue;
      throw error;
    }
    try {
      fs.writeSync(fd, content);
    } finally {
      fs.closeSync(fd);
    }
    return file;
  }
}
