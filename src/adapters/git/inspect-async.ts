/**
 * The read-only git questions of inspect.ts, asked without blocking the event loop: the
 * daemon hosts the engine and its HTTP server in one process, and a synchronous `git status`
 * on a large checkout would stall every client and every other stage meanwhile.
 */
import type { CommitSummary, DiffStat, GitQuery } from "./inspect.ts";
import { queries } from "./inspect.ts";
import { gitTryAsync } from "./run-async.ts";

export async function askAsync<T>(query: GitQuery<T>): Promise<T> {
  return query.read(await gitTryAsync(query.cwd, query.args));
}

export function headCommitAsync(cwd: string, ref = "HEAD"): Promise<string> {
  return askAsync(queries.headCommit(cwd, ref));
}

export function isAncestorAsync(root: string, commit: string, ref: string): Promise<boolean> {
  return askAsync(queries.isAncestor(root, commit, ref));
}

export function diffStatAsync(root: string, base: string, commit: string): Promise<DiffStat> {
  return askAsync(queries.diffStat(root, base, commit));
}

export function commitsBetweenAsync(
  root: string,
  base: string,
  commit: string,
): Promise<CommitSummary[]> {
  return askAsync(queries.commitsBetween(root, base, commit));
}

export function dirtyFilesAsync(
  cwd: string,
  options: { untracked?: boolean } = {},
): Promise<string[]> {
  return askAsync(queries.dirtyFiles(cwd, options));
}
