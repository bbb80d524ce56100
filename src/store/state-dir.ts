/**
 * The per-user state directory of a repository (DESIGN.md §3): what Flux keeps outside the
 * repository because a session must not reach it through its worktree and the `.work` symlink,
 * or because it must not travel with `flux.db` backups — credentials and the run's
 * environment (API keys). `$XDG_STATE_HOME/flux/<repo>` (default `~/.local/state/flux/<repo>`),
 * mode 0700, files 0600; `<repo>` is the repository's name and a hash of its real path.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeAtomic } from "./fs.ts";

export function stateDirFor(
  root: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const base =
    env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME !== ""
      ? env.XDG_STATE_HOME
      : path.join(env.HOME ?? os.homedir(), ".local", "state");
  let real = root;
  try {
    real = fs.realpathSync(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const hash = createHash("sha256").update(real).digest("hex").slice(0, 16);
  const name = path
    .basename(real)
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .slice(0, 40);
  return path.join(base, "flux", `${name}-${hash}`);
}

/** Creates the directory (0700, also when it existed with looser bits). */
export function ensureStateDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  return dir;
}

/** The environment of the last `flux run`: sessions started after a restart inherit it. */
export function runEnvFile(stateDir: string): string {
  return path.join(stateDir, "run-env.json");
}

export function readRunEnv(stateDir: string): NodeJS.ProcessEnv | undefined {
  let text: string;
  try {
    text = fs.readFileSync(runEnvFile(stateDir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    return Object.fromEntries(
      Object.entries(value).filter(
        (entry): entry is [string, string] => typeof entry[1] === "string",
      ),
    );
  } catch {
    // A torn or hand-edited file: the daemon's own environment serves until the next run.
    return undefined;
  }
}

export function writeRunEnv(stateDir: string, env: NodeJS.ProcessEnv): void {
  ensureStateDir(stateDir);
  writeAtomic(runEnvFile(stateDir), JSON.stringify(env), 0o600);
}
