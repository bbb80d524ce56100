/**
 * The asynchronous twin of `run.ts`, for git commands that write or may take long (worktree
 * add/remove, merges, rebases): the daemon hosts the engine and its HTTP server in one process,
 * and a blocking `execFileSync` would stall every client while a checkout runs.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import { gitCwdMissing, gitMissing } from "../../core/errors.ts";
import { GitError, type GitResult } from "./run.ts";

/** Merge-tree, diff and status listings of large repositories easily pass Node's 1 MiB default. */
const MAX_BUFFER_BYTES = 256 * 1024 * 1024;

export interface GitRunOptions {
  /** The environment instead of this process's (a push with the run's SSH agent). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Killed after this long (the network); none by default. */
  timeoutMs?: number | undefined;
}

/** Runs git; resolves with its output whatever the exit code (callers decide what it means). */
export function gitTryAsync(
  cwd: string,
  args: readonly string[],
  options: GitRunOptions = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      {
        cwd,
        encoding: "utf8",
        maxBuffer: MAX_BUFFER_BYTES,
        ...(options.env === undefined ? {} : { env: options.env }),
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ status: 0, stdout, stderr });
        const e = error as NodeJS.ErrnoException & { code?: string | number };
        // Node reports a missing working directory as `spawn git ENOENT` too.
        if (e.code === "ENOENT")
          return reject(fs.existsSync(cwd) ? gitMissing() : gitCwdMissing(cwd, args));
        // A numeric code is git's exit status; anything else (a signal, ENOBUFS) is not git's
        // verdict, so it must not be mistaken for "conflict" or "not an ancestor".
        if (typeof e.code !== "number")
          return reject(new GitError(args, null, stderr || e.message));
        resolve({ status: e.code, stdout, stderr });
      },
    );
  });
}

export async function gitAsync(cwd: string, args: readonly string[]): Promise<string> {
  const result = await gitTryAsync(cwd, args);
  if (result.status !== 0) throw new GitError(args, result.status, result.stderr);
  return result.stdout;
}
