/**
 * Moving a stage branch from one base commit to another: `git rebase --onto <onto> <upstream>`
 * in the stage's worktree replays exactly the commits `upstream..HEAD` (the stage's own work)
 * onto `onto`. Stacked stages use it (engine/stack.ts): `upstream` is the dependency commit
 * the branch was stacked on, `onto` the dependency's new tip (a restack) or the base (a
 * retarget once the dependency merged) — which holds whether or not the old dependency commits
 * are ancestors of `onto` (a squash merge, a rewritten dependency branch).
 *
 * On a conflict the rebase is aborted, so the branch is exactly as it was, and the conflicted
 * paths are returned. A rebase a killed process left half done is recognised
 * (`rebaseInProgress`) and aborted (`abortRebase`) by the caller before it starts again.
 */
import fs from "node:fs";
import path from "node:path";
import { ExitCode, FluxError } from "../../core/errors.ts";
import { assertRef, unmergedFiles } from "./inspect.ts";
import { headCommitAsync } from "./inspect-async.ts";
import type { RebaseResult } from "./merge.ts";
import { currentBranch } from "./repo.ts";
import { GitError } from "./run.ts";
import { gitAsync, gitTryAsync } from "./run-async.ts";
import { dirtyFilesAsync } from "./inspect-async.ts";

export interface RebaseFromOptions {
  /** The stage worktree; its checked-out branch is rebased. */
  worktree: string;
  /** The new base of the replayed commits (a commit or a ref). */
  onto: string;
  /** The commit the branch's own work starts after (exclusive). */
  upstream: string;
}

/** Whether a rebase is stopped half-way in `worktree` (a conflict, or a process killed mid-way). */
export async function rebaseInProgress(worktree: string): Promise<boolean> {
  for (const dir of ["rebase-merge", "rebase-apply"]) {
    const gitPath = (await gitAsync(worktree, ["rev-parse", "--git-path", dir])).trim();
    if (fs.existsSync(path.resolve(worktree, gitPath))) return true;
  }
  return false;
}

/** Aborts a rebase in progress: the branch goes back to where it was before it started. */
export async function abortRebase(worktree: string): Promise<void> {
  await gitAsync(worktree, ["rebase", "--abort"]);
}

/** The best common ancestor of two commits, or undefined when they share none. */
export async function mergeBaseAsync(
  cwd: string,
  a: string,
  b: string,
): Promise<string | undefined> {
  assertRef(a);
  assertRef(b);
  const result = await gitTryAsync(cwd, ["merge-base", a, b]);
  if (result.status === 0) return result.stdout.trim();
  if (result.status === 1) return undefined;
  throw new GitError(["merge-base", a, b], result.status, result.stderr);
}

/**
 * `git rebase --onto <onto> <upstream>` in the worktree. Needs a clean worktree
 * (WORKTREE_DIRTY otherwise; untracked files are fine). No lock: it moves the stage branch only.
 */
export async function rebaseFrom(options: RebaseFromOptions): Promise<RebaseResult> {
  const { worktree, onto, upstream } = options;
  assertRef(onto);
  assertRef(upstream);
  if (currentBranch(worktree) === undefined) {
    throw new FluxError("WORKTREE_DETACHED", `${worktree} has no branch checked out`, {
      exitCode: ExitCode.refused,
      data: { worktree },
    });
  }
  const changes = await dirtyFilesAsync(worktree, { untracked: false });
  if (changes.length > 0) {
    throw new FluxError("WORKTREE_DIRTY", `${worktree} has uncommitted changes`, {
      hint: "commit them first",
      exitCode: ExitCode.refused,
      data: { worktree, files: changes },
    });
  }
  // core.editor=true: a rebase that wants an editor must not hang a daemon with no terminal.
  const args = ["-c", "core.editor=true", "rebase", "--no-autostash", "--onto", onto, upstream];
  const result = await gitTryAsync(worktree, args);
  if (result.status === 0) return { kind: "rebased", head: await headCommitAsync(worktree) };
  if (!(await rebaseInProgress(worktree))) throw new GitError(args, result.status, result.stderr);
  const files = unmergedFiles(worktree).sort();
  await abortRebase(worktree);
  // It stopped for another reason (an untracked file in the way): not a conflict between branches.
  if (files.length === 0) throw new GitError(args, result.status, result.stderr);
  return { kind: "conflict", files };
}
