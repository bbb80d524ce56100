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

/** The commit a local branch points to, or undefined when there is no such branch. */
export function branchTipAsync(cwd: string, branch: string): Promise<string | undefined> {
  return askAsync(queries.branchTip(cwd, branch));
}

/** Every local branch under `prefix` (e.g. "flux/") and its commit, in one git process. */
export function branchTipsAsync(cwd: string, prefix: string): Promise<Map<string, string>> {
  return askAsync(queries.branchTips(cwd, prefix));
}

/** The merge commit on `base`'s first-parent line that brought `commit` in (queries.mergedBy). */
export function mergedByAsync(
  root: string,
  commit: string,
  base: string,
): Promise<string | undefined> {
  return askAsync(queries.mergedBy(root, commit, base));
}

/** A commit's parents (two for a merge commit; one for a squash, a rebase or a fast-forward). */
export async function parentsAsync(root: string, commit: string): Promise<string[]> {
  const result = await gitTryAsync(root, ["rev-list", "--parents", "-n", "1", commit, "--"]);
  if (result.status !== 0) return [];
  return result.stdout.trim().split(/\s+/).slice(1);
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
