/**
 * Stage worktrees: `<root>/.worktrees/<stage-id>` on branch `flux/<stage-id>`, with `.work`
 * inside linking back to the repository's `<root>/.work` so agents reach Flux's state.
 *
 * The rule throughout: a stage branch may hold the only copy of an agent's work. Nothing here
 * resets or deletes a branch that has commits the base does not have, and removing a worktree
 * with uncommitted or unmerged work needs `force`.
 */
import fs from "node:fs";
import path from "node:path";
import { ExitCode, FluxError, baseBranchMissing, stageIdInvalid } from "../../core/errors.ts";
import { isStageId, stageBranchName, stageWorktreeDir } from "../../core/stage/id.ts";
import {
  branchTip,
  checkedOutWorktreeOf,
  dirtyFiles,
  headCommit,
  isAncestor,
  listWorktrees,
  type Worktree,
} from "./inspect.ts";
import { branchExists } from "./repo.ts";
import { git } from "./run.ts";
import { gitAsync } from "./run-async.ts";
import { withMergeLock } from "./lock.ts";

/** Stage ids become directory names and branch names: checked again here, where they do. */
export function assertStageId(stageId: string): void {
  if (!isStageId(stageId)) throw stageIdInvalid(stageId);
}

export function stageBranch(stageId: string): string {
  assertStageId(stageId);
  return stageBranchName(stageId);
}

export function worktreePath(root: string, stageId: string): string {
  assertStageId(stageId);
  return path.join(root, stageWorktreeDir(stageId));
}

/** Paths as git records them are resolved; compare real paths so a symlinked root still matches. */
function realish(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return path.resolve(p);
  }
}

function registeredAt(root: string, wtPath: string): Worktree | undefined {
  const wanted = realish(wtPath);
  return listWorktrees(root).find((w) => realish(w.path) === wanted);
}

/**
 * Makes `<worktree>/.work` a symlink to `<root>/.work` (absolute target). A symlink pointing
 * elsewhere is ours from an earlier location of the repository and is replaced; a real file or
 * directory there is not ours and is left alone.
 */
function linkWorkDir(root: string, wtPath: string): void {
  const link = path.join(wtPath, ".work");
  const target = path.join(root, ".work");
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (stat?.isSymbolicLink() === true) {
    if (fs.readlinkSync(link) === target) return;
    fs.unlinkSync(link);
  } else if (stat !== undefined) {
    throw new FluxError("WORKTREE_CONFLICT", `${link} exists and is not Flux's symlink`, {
      hint: "the stage branch seems to track a `.work` entry: remove it from the branch",
      exitCode: ExitCode.refused,
      data: { path: link },
    });
  }
  fs.symlinkSync(target, link);
}

/** Removes the `.work` symlink if it is one; returns whether it did. */
function unlinkWorkDir(wtPath: string): boolean {
  const link = path.join(wtPath, ".work");
  try {
    if (!fs.lstatSync(link).isSymbolicLink()) return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  fs.unlinkSync(link);
  return true;
}

export interface CreateWorktreeOptions {
  /** The main worktree's root (where `.work/` lives). */
  root: string;
  stageId: string;
  /** The branch a new stage branch starts from. Ignored when the stage branch exists. */
  baseBranch: string;
}

export interface StageWorktree {
  path: string;
  branch: string;
  /** This call added the worktree (false: it was already there). */
  created: boolean;
  /** The stage branch existed before this call and was used as it was. */
  reused: boolean;
}

/**
 * Creates (or finds) the worktree of a stage. An existing `flux/<stage-id>` branch is checked
 * out as it is, never reset: it may hold commits of an earlier session.
 */
export function createWorktree(options: CreateWorktreeOptions): Promise<StageWorktree> {
  // git is not safe against two `worktree add` (or an add and a list) at once in one
  // repository: a half-made .git/worktrees/<id> makes the other fail. One at a time, under
  // the repository's lock, which merges take too.
  return withMergeLock(options.root, () => createWorktreeLocked(options));
}

async function createWorktreeLocked(options: CreateWorktreeOptions): Promise<StageWorktree> {
  const { root, stageId, baseBranch } = options;
  const wtPath = worktreePath(root, stageId);
  const branch = stageBranch(stageId);

  let registered = registeredAt(root, wtPath);
  if (registered?.prunable === true) {
    // The directory was deleted by hand; git keeps refusing the path until the entry is pruned.
    await gitAsync(root, ["worktree", "prune"]);
    registered = undefined;
  }
  if (registered !== undefined) {
    if (registered.branch !== branch) {
      throw new FluxError(
        "WORKTREE_CONFLICT",
        `${wtPath} is a worktree on ${registered.branch ?? "a detached HEAD"}, not ${branch}`,
        {
          hint: `check out ${branch} there, or remove that worktree (\`git worktree remove\`)`,
          exitCode: ExitCode.refused,
          data: { path: wtPath, branch: registered.branch },
        },
      );
    }
    linkWorkDir(root, wtPath);
    return { path: wtPath, branch, created: false, reused: true };
  }

  if (fs.existsSync(wtPath) && fs.readdirSync(wtPath).length > 0) {
    throw new FluxError("WORKTREE_CONFLICT", `${wtPath} exists and is not a git worktree`, {
      hint: "move it out of the way; Flux will not overwrite it",
      exitCode: ExitCode.refused,
      data: { path: wtPath },
    });
  }
  const elsewhere = checkedOutWorktreeOf(root, branch);
  if (elsewhere !== undefined) {
    throw new FluxError("BRANCH_CHECKED_OUT", `${branch} is checked out in ${elsewhere}`, {
      hint: `switch that checkout to another branch (git refuses two checkouts of ${branch})`,
      exitCode: ExitCode.refused,
      data: { branch, path: elsewhere },
    });
  }

  const reused = branchExists(root, branch);
  if (reused) {
    // The short name, not refs/heads/…: given a full ref, `worktree add` detaches HEAD.
    await gitAsync(root, ["worktree", "add", wtPath, branch]);
  } else {
    if (!branchExists(root, baseBranch)) throw baseBranchMissing(baseBranch);
    // --no-track: a stage branch must not inherit an upstream from branch.autoSetupMerge=always.
    await gitAsync(root, [
      "worktree",
      "add",
      "--no-track",
      "-b",
      branch,
      wtPath,
      `refs/heads/${baseBranch}`,
    ]);
  }
  linkWorkDir(root, wtPath);
  return { path: wtPath, branch, created: true, reused };
}

export interface WorktreeState {
  /** Uncommitted paths (porcelain), without Flux's `.work` symlink. */
  dirty: string[];
  /** Commits on HEAD that the base branch does not contain. */
  unmerged: number;
  head: string;
}

export function worktreeState(wtPath: string, baseBranch: string): WorktreeState {
  if (!fs.existsSync(wtPath)) {
    throw new FluxError("WORKTREE_MISSING", `no worktree at ${wtPath}`, {
      exitCode: ExitCode.notFound,
      data: { path: wtPath },
    });
  }
  if (branchTip(wtPath, baseBranch) === undefined) throw baseBranchMissing(baseBranch);
  const head = headCommit(wtPath);
  const count = git(wtPath, ["rev-list", "--count", `refs/heads/${baseBranch}..${head}`, "--"]);
  return { dirty: dirtyFiles(wtPath), unmerged: Number(count.trim()), head };
}

export interface RemoveWorktreeOptions {
  root: string;
  stageId: string;
  baseBranch: string;
  /** Remove even with uncommitted changes, unmerged commits or a lock. Default false. */
  force?: boolean;
}

export interface RemovedWorktree {
  removed: boolean;
  /** Why nothing was removed, or what was odd about it. */
  reason?: string;
  /** The stage branch was fully merged into the base and has been deleted. */
  branchDeleted: boolean;
}

/**
 * Removes a stage's worktree. Refuses (WORKTREE_UNSAFE) while it has uncommitted changes or
 * commits the base lacks, unless `force`. The branch is kept unless fully merged into the base:
 * with `force` the commits survive on the branch; only uncommitted changes are lost.
 */
export function removeWorktree(options: RemoveWorktreeOptions): Promise<RemovedWorktree> {
  return withMergeLock(options.root, () => removeWorktreeLocked(options));
}

async function removeWorktreeLocked(options: RemoveWorktreeOptions): Promise<RemovedWorktree> {
  const { root, stageId, baseBranch, force = false } = options;
  const wtPath = worktreePath(root, stageId);
  const branch = stageBranch(stageId);
  const registered = registeredAt(root, wtPath);

  let removed = false;
  let reason: string | undefined;
  if (registered === undefined) {
    reason = `no worktree at ${wtPath}`;
  } else if (registered.prunable) {
    await gitAsync(root, ["worktree", "prune"]);
    removed = true;
    reason = "its directory was already gone";
  } else {
    const state = worktreeState(wtPath, baseBranch);
    const problems = [
      ...(state.dirty.length > 0 ? [`${state.dirty.length} uncommitted path(s)`] : []),
      ...(state.unmerged > 0 ? [`${state.unmerged} commit(s) not merged into ${baseBranch}`] : []),
      ...(registered.locked ? [`a lock (${registered.lockReason ?? "no reason given"})`] : []),
    ];
    if (problems.length > 0 && !force) {
      throw new FluxError(
        "WORKTREE_UNSAFE",
        `the worktree of stage ${stageId} has ${problems.join(" and ")}`,
        {
          hint: "commit and merge the work first, or pass --force to remove it anyway (commits stay on the branch; uncommitted changes are lost)",
          exitCode: ExitCode.refused,
          data: { stageId, path: wtPath, dirty: state.dirty, unmerged: state.unmerged },
        },
      );
    }
    // Without the symlink the tree is clean as git sees it, so a plain remove succeeds.
    const unlinked = unlinkWorkDir(wtPath);
    const forceArgs = !force ? [] : registered.locked ? ["--force", "--force"] : ["--force"];
    try {
      await gitAsync(root, ["worktree", "remove", ...forceArgs, wtPath]);
    } catch (error) {
      // Something appeared meanwhile: leave the worktree usable as it was.
      if (unlinked) linkWorkDir(root, wtPath);
      throw error;
    }
    removed = true;
  }

  return { removed, ...(reason === undefined ? {} : { reason }), branchDeleted: dropIfMerged() };

  function dropIfMerged(): boolean {
    const tip = branchTip(root, branch);
    if (tip === undefined || branchTip(root, baseBranch) === undefined) return false;
    if (!isAncestor(root, tip, `refs/heads/${baseBranch}`)) return false;
    if (checkedOutWorktreeOf(root, branch) !== undefined) return false;
    // Not `git branch -d`: that judges "merged" against whatever HEAD the main checkout is on,
    // not the base. The old value makes the delete fail if the branch moved since the check.
    git(root, [
      "update-ref",
      "-m",
      `flux: stage ${stageId} merged`,
      "-d",
      `refs/heads/${branch}`,
      tip,
    ]);
    return true;
  }
}
