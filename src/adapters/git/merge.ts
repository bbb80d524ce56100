/**
 * Landing stage work on the base branch without disturbing the user (DESIGN.md §3, "Merging
 * into the user's checkout").
 *
 * A merge never runs `git merge` or `git checkout` in the user's checkout. It works on objects
 * and refs, then brings the checkout along:
 *
 *   1. read the base tip B; `git merge-tree --write-tree B C` → tree T, or the conflicted paths
 *      (then nothing has changed anywhere);
 *   2. when the base is checked out somewhere, compare the paths T changes against that
 *      checkout's uncommitted, untracked and (for added paths) ignored files; any overlap →
 *      stop, nothing touched;
 *   3. `git commit-tree T -p B -p C` → merge commit M;
 *   4. `git update-ref refs/heads/<base> M B`: a compare-and-swap, so a base that moved since
 *      step 1 (the user committed) fails it and the merge starts over from step 1;
 *   5. `git read-tree -m -u B M` in the checkout: a two-tree merge that updates exactly the
 *      paths B→M changes and keeps every other index entry and file as the user left them. If
 *      it fails (the user touched a file since step 2) the ref is swapped back and the merge
 *      starts over, which then reports the overlap.
 *
 * All of it runs under `withMergeLock(root)`: two merges must not interleave in one checkout.
 * Between steps 4 and 5 (one read-tree long) the ref is ahead of the checkout's index: a
 * `git commit` the user runs in exactly that moment would record their old index on top of M.
 * Holding the index lock across both steps is not possible with plain git commands.
 */
import fs from "node:fs";
import path from "node:path";
import { ExitCode, FluxError, baseBranchMissing } from "../../core/errors.ts";
import {
  branchTip,
  checkedOutWorktreeOf,
  dirtyFiles,
  headCommit,
  isAncestor,
  unmergedFiles,
} from "./inspect.ts";
import { withMergeLock } from "./lock.ts";
import { MERGE_TREE_ARGS, readMergeTree } from "./merge-tree.ts";
import { currentBranch } from "./repo.ts";
import { git, GitError } from "./run.ts";
import { gitAsync, gitTryAsync } from "./run-async.ts";
import { assertStageId } from "./worktree.ts";

/** How often a merge starts over when the base moved under it (each retry means progress elsewhere). */
const MAX_ATTEMPTS = 8;
/** Pause before a retry, jittered so racing writers spread out: 10–60 ms. */
const RETRY_DELAY_MS = { min: 10, spread: 50 };

export type MergeResult =
  /** The base now points to `mergeCommit` (for a fast-forward: the stage commit itself). */
  | { kind: "merged"; mergeCommit: string; baseBefore: string }
  /** The commit is already contained in the base; nothing was done. */
  | { kind: "up_to_date" }
  /** The branches conflict; nothing was changed. */
  | { kind: "conflict"; files: string[] }
  /** The user's uncommitted or untracked files (in the checkout of the base) are in the way; nothing was changed. */
  | { kind: "overlap"; files: string[] };

export type FastForwardResult =
  | Exclude<MergeResult, { kind: "conflict" }>
  /** The base has commits the stage commit lacks; a merge (or a rebase first) is needed. */
  | { kind: "not_fast_forward" };

export type RebaseResult =
  { kind: "rebased"; head: string } | { kind: "conflict"; files: string[] };

export interface MergeStageOptions {
  root: string;
  baseBranch: string;
  /** The exact commit to merge (the one that passed acceptance), not a moving branch name. */
  commit: string;
  stageId: string;
  /** The merge commit's message. */
  message: string;
}

function baseTip(root: string, baseBranch: string): string {
  const tip = branchTip(root, baseBranch);
  if (tip === undefined) throw baseBranchMissing(baseBranch);
  return tip;
}

function pause(): Promise<void> {
  const ms = RETRY_DELAY_MS.min + Math.random() * RETRY_DELAY_MS.spread;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function overlaps(mine: string, theirs: string): boolean {
  // Either side may be a file that the other turns into a directory.
  return mine === theirs || theirs.startsWith(`${mine}/`) || mine.startsWith(`${theirs}/`);
}

/**
 * The user's paths in `checkout` that moving the base from `from` to `to` would touch: every
 * unmerged path (read-tree cannot run on a conflicted index), uncommitted changes to paths the
 * move changes, and anything on disk (untracked or ignored) where the move adds a path — the
 * files read-tree would refuse to overwrite. An untracked directory (`dir/` in status) is not an
 * overlap by itself: it holds no tracked file, and new files may land beside the user's.
 */
function blockingPaths(root: string, checkout: string, from: string, to: string): string[] {
  const unmerged = unmergedFiles(checkout);
  if (unmerged.length > 0) return unmerged.sort();
  const diff = (filter: string[]) =>
    git(root, ["diff", "--name-only", "--no-renames", "-z", ...filter, from, to, "--"])
      .split("\0")
      .filter((f) => f !== "");
  const changed = diff([]);
  if (changed.length === 0) return [];
  const blocked = new Set(
    dirtyFiles(checkout).filter((d) => !d.endsWith("/") && changed.some((c) => overlaps(d, c))),
  );
  for (const file of diff(["--diff-filter=A"])) {
    const blocker = occupant(checkout, file);
    if (blocker !== undefined) blocked.add(blocker);
  }
  return [...blocked].sort();
}

/**
 * What sits on disk where `file` is to be created: the path itself, or a non-directory where one
 * of its parent directories should be. Untracked and ignored entries alike would stop read-tree.
 */
function occupant(checkout: string, file: string): string | undefined {
  const parts = file.split("/");
  for (let i = 1; i <= parts.length; i++) {
    const rel = parts.slice(0, i).join("/");
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(path.join(checkout, rel));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw error;
    }
    if (i === parts.length || !stat.isDirectory()) return rel;
  }
  return undefined;
}

/**
 * read-tree trusts the index's stat data, so stale entries (a file touched but unchanged) would
 * look modified to it. Its outcome is deliberately not checked: if the index is locked by the
 * user's own git, read-tree fails the same way a moment later, the ref is swapped back and the
 * merge retries.
 */
async function refreshIndex(checkout: string): Promise<void> {
  await gitTryAsync(checkout, ["update-index", "-q", "--refresh"]);
}

type Swap = { ok: true } | { ok: false; why: string };

/**
 * Moves the base ref `from` → `to` (compare-and-swap) and brings `checkout` along. On failure
 * everything is as before and the caller starts over.
 */
async function swapBase(
  root: string,
  baseBranch: string,
  from: string,
  to: string,
  checkout: string | undefined,
  reason: string,
): Promise<Swap> {
  const ref = `refs/heads/${baseBranch}`;
  const cas = await gitTryAsync(root, ["update-ref", "-m", reason, ref, to, from]);
  if (cas.status !== 0) return { ok: false, why: cas.stderr.trim() };
  if (checkout === undefined) return { ok: true };

  const update = await gitTryAsync(checkout, ["read-tree", "-m", "-u", from, to]);
  if (update.status === 0) return { ok: true };
  const undo = await gitTryAsync(root, [
    "update-ref",
    "-m",
    `flux: undo (${reason}): checkout could not follow`,
    ref,
    from,
    to,
  ]);
  if (undo.status !== 0) {
    throw new FluxError(
      "MERGE_CHECKOUT_FAILED",
      `${baseBranch} moved to ${to}, but the checkout at ${checkout} could not follow: ${update.stderr.trim()}`,
      {
        hint: `in ${checkout}, \`git status\` shows the merged changes as reverted; \`git read-tree -m -u ${from} ${to}\` there applies them once the blocking files are out of the way`,
        exitCode: ExitCode.environment,
        data: { baseBranch, from, to, checkout },
      },
    );
  }
  return { ok: false, why: update.stderr.trim() };
}

function gaveUp(baseBranch: string, why: string): FluxError {
  return new FluxError(
    "MERGE_RACE",
    `could not update ${baseBranch} after ${MAX_ATTEMPTS} attempts: ${why}`,
    {
      hint: "something keeps moving the base branch or holding its checkout's index; retry with `flux merge`",
      exitCode: ExitCode.environment,
      data: { baseBranch, why },
    },
  );
}

/**
 * Merges `commit` into `baseBranch` with a two-parent merge commit (even when a fast-forward
 * were possible: the base's history then shows each stage as one merge). Takes the merge lock.
 * Afterwards the caller confirms with `isAncestor(root, commit, baseBranch)`.
 */
export async function mergeStage(options: MergeStageOptions): Promise<MergeResult> {
  const { root, baseBranch, stageId, message } = options;
  assertStageId(stageId);
  return withMergeLock(root, async () => {
    const commit = headCommit(root, options.commit);
    let why = "";
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) await pause();
      const base = baseTip(root, baseBranch);
      if (isAncestor(root, commit, base)) return { kind: "up_to_date" };

      const args = [...MERGE_TREE_ARGS, base, commit];
      const merged = readMergeTree(args, await gitTryAsync(root, args));
      if (!merged.clean) return { kind: "conflict", files: merged.conflicted };
      const treeId = merged.tree;

      const checkout = checkedOutWorktreeOf(root, baseBranch);
      if (checkout !== undefined) {
        const blocked = blockingPaths(root, checkout, base, treeId);
        if (blocked.length > 0) return { kind: "overlap", files: blocked };
        await refreshIndex(checkout);
      }
      const mergeCommit = (
        await gitAsync(root, ["commit-tree", treeId, "-p", base, "-p", commit, "-m", message])
      ).trim();
      const swap = await swapBase(
        root,
        baseBranch,
        base,
        mergeCommit,
        checkout,
        `flux: merge stage ${stageId}`,
      );
      if (swap.ok) return { kind: "merged", mergeCommit, baseBefore: base };
      why = swap.why;
    }
    throw gaveUp(baseBranch, why);
  });
}

export interface FastForwardOptions {
  root: string;
  baseBranch: string;
  commit: string;
}

/** Moves the base to `commit` when that is a fast-forward (`merge: direct`). Takes the merge lock. */
export async function fastForward(options: FastForwardOptions): Promise<FastForwardResult> {
  const { root, baseBranch } = options;
  return withMergeLock(root, async () => {
    const commit = headCommit(root, options.commit);
    let why = "";
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) await pause();
      const base = baseTip(root, baseBranch);
      if (isAncestor(root, commit, base)) return { kind: "up_to_date" };
      if (!isAncestor(root, base, commit)) return { kind: "not_fast_forward" };

      const checkout = checkedOutWorktreeOf(root, baseBranch);
      if (checkout !== undefined) {
        const blocked = blockingPaths(root, checkout, base, commit);
        if (blocked.length > 0) return { kind: "overlap", files: blocked };
        await refreshIndex(checkout);
      }
      const swap = await swapBase(root, baseBranch, base, commit, checkout, "flux: fast-forward");
      if (swap.ok) return { kind: "merged", mergeCommit: commit, baseBefore: base };
      why = swap.why;
    }
    throw gaveUp(baseBranch, why);
  });
}

export interface RebaseOntoOptions {
  /** The stage worktree; its checked-out branch is rebased. */
  worktree: string;
  baseBranch: string;
}

function rebaseInProgress(worktree: string): boolean {
  return ["rebase-merge", "rebase-apply"].some((dir) => {
    const gitPath = git(worktree, ["rev-parse", "--git-path", dir]).trim();
    return fs.existsSync(path.resolve(worktree, gitPath));
  });
}

/**
 * Replays the stage branch onto the base's tip (`git rebase <base>` in the stage worktree). On a
 * conflict the rebase is aborted, so the branch is exactly as it was, and the conflicted paths
 * are returned. Merge commits on the stage branch are flattened, as `git rebase` does. Needs a
 * clean worktree (WORKTREE_DIRTY otherwise); untracked files are fine. No lock: it only moves
 * the stage branch.
 */
export async function rebaseOnto(options: RebaseOntoOptions): Promise<RebaseResult> {
  const { worktree, baseBranch } = options;
  const branch = currentBranch(worktree);
  if (branch === undefined) {
    throw new FluxError("WORKTREE_DETACHED", `${worktree} has no branch checked out`, {
      exitCode: ExitCode.refused,
      data: { worktree },
    });
  }
  if (branchTip(worktree, baseBranch) === undefined) throw baseBranchMissing(baseBranch);
  const changes = dirtyFiles(worktree, { untracked: false });
  if (changes.length > 0) {
    throw new FluxError("WORKTREE_DIRTY", `${worktree} has uncommitted changes`, {
      hint: "commit them first",
      exitCode: ExitCode.refused,
      data: { worktree, files: changes },
    });
  }

  // core.editor=true: a rebase that wants an editor must not hang a daemon with no terminal.
  const args = ["-c", "core.editor=true", "rebase", "--no-autostash", `refs/heads/${baseBranch}`];
  const result = await gitTryAsync(worktree, args);
  if (result.status === 0) return { kind: "rebased", head: headCommit(worktree) };
  if (!rebaseInProgress(worktree)) throw new GitError(args, result.status, result.stderr);

  const files = unmergedFiles(worktree).sort();
  await gitAsync(worktree, ["rebase", "--abort"]);
  if (files.length === 0) {
    // It stopped for another reason (an untracked file in the way): not a conflict between branches.
    throw new GitError(args, result.status, result.stderr);
  }
  return { kind: "conflict", files };
}
