/**
 * Read-only questions about commits, diffs and checkouts, each defined once as a query (its
 * command and how its answer is read) and asked synchronously here, for the CLI's short-lived
 * commands, or without blocking in inspect-async.ts, for the daemon. Everything that writes
 * lives in `worktree.ts` and `merge.ts`.
 */
import { ExitCode, FluxError } from "../../core/errors.ts";
import { git, GitError, gitTry } from "./run.ts";
import type { GitResult } from "./run.ts";

/**
 * Flux's own entries in a checkout: `.work` (a symlink in stage worktrees, the state directory
 * in the main one) and `.worktrees/`. Normally excluded by `flux init`; ignored here regardless.
 */
const FLUX_ENTRIES = [".work", ".worktrees"];

function isFluxEntry(file: string): boolean {
  return FLUX_ENTRIES.some((entry) => file === entry || file.startsWith(`${entry}/`));
}

/** git has no `--end-of-options` for rev-parse in 2.39: refuse what it would read as an option. */
/** Refuses an empty revision or one git would read as an option. */
export function assertRef(ref: string): void {
  if (ref === "" || ref.startsWith("-")) {
    throw new FluxError("GIT_BAD_REF", `not a usable git revision: ${JSON.stringify(ref)}`, {
      exitCode: ExitCode.usage,
    });
  }
}

/**
 * A read-only git question: its command and how its answer is read. Each one is asked with
 * `ask` (synchronously: the CLI's short-lived commands) or `askAsync` (inspect-async.ts: the
 * daemon, whose event loop must not block on git).
 */
export interface GitQuery<T> {
  cwd: string;
  args: string[];
  read: (result: GitResult) => T;
}

export function ask<T>(query: GitQuery<T>): T {
  return query.read(gitTry(query.cwd, query.args));
}

/** The output of a command that must succeed. */
function succeeded(args: readonly string[], result: GitResult): string {
  if (result.status !== 0) throw new GitError(args, result.status, result.stderr);
  return result.stdout;
}

export const queries = {
  headCommit(cwd: string, ref = "HEAD"): GitQuery<string> {
    assertRef(ref);
    return {
      cwd,
      args: ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`],
      read: (result) => {
        if (result.status !== 0) {
          throw new FluxError("GIT_UNKNOWN_REF", `${ref} does not name a commit in ${cwd}`, {
            hint: "check the branch name (`git branch --list`)",
            exitCode: ExitCode.notFound,
            data: { ref, cwd },
          });
        }
        return result.stdout.trim();
      },
    };
  },
  isAncestor(root: string, commit: string, ref: string): GitQuery<boolean> {
    assertRef(commit);
    assertRef(ref);
    const args = ["merge-base", "--is-ancestor", commit, ref];
    return {
      cwd: root,
      args,
      read: (result) => {
        // 1 is git's "no"; anything else (128: unknown revision) is a real failure.
        if (result.status === 0) return true;
        if (result.status === 1) return false;
        throw new GitError(args, result.status, result.stderr);
      },
    };
  },
  branchTip(cwd: string, branch: string): GitQuery<string | undefined> {
    assertRef(branch);
    return {
      cwd,
      args: ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`],
      read: (result) => (result.status === 0 ? result.stdout.trim() : undefined),
    };
  },
  /** Every local branch under `prefix` (e.g. "flux/") and its commit, in one process. */
  branchTips(cwd: string, prefix: string): GitQuery<Map<string, string>> {
    const args = ["for-each-ref", "--format=%(objectname) %(refname)", `refs/heads/${prefix}`];
    return {
      cwd,
      args,
      read: (result) => {
        const tips = new Map<string, string>();
        for (const line of succeeded(args, result).split("\n")) {
          const space = line.indexOf(" ");
          if (space === -1) continue;
          tips.set(line.slice(space + 1 + "refs/heads/".length), line.slice(0, space));
        }
        return tips;
      },
    };
  },
  /**
   * The commit of `base`'s first-parent line that brought `commit` in (its merge commit), or
   * undefined when none after it did (`commit` is on that line itself: a fast-forward).
   */
  mergedBy(root: string, commit: string, base: string): GitQuery<string | undefined> {
    assertRef(commit);
    assertRef(base);
    const args = [
      "rev-list",
      "--first-parent",
      "--ancestry-path",
      "--reverse",
      `${commit}..${base}`,
    ];
    return {
      cwd: root,
      args,
      read: (result) => succeeded(args, result).split("\n")[0]?.trim() || undefined,
    };
  },
  diffStat(root: string, base: string, commit: string): GitQuery<DiffStat> {
    assertRef(base);
    assertRef(commit);
    const args = ["diff", "--numstat", "--no-renames", "-z", `${base}...${commit}`, "--"];
    return { cwd: root, args, read: (result) => parseNumstat(succeeded(args, result)) };
  },
  commitsBetween(root: string, base: string, commit: string): GitQuery<CommitSummary[]> {
    assertRef(base);
    assertRef(commit);
    // %s folds the subject onto one line, so one record per line is unambiguous.
    const args = ["log", "--format=%H %s", `${base}..${commit}`, "--"];
    return { cwd: root, args, read: (result) => parseLog(succeeded(args, result)) };
  },
  dirtyFiles(cwd: string, options: { untracked?: boolean } = {}): GitQuery<string[]> {
    // --no-optional-locks: a daemon looking at the user's checkout must not take its index lock
    // (and make the user's own `git add` fail) just to refresh stat information.
    const args = [
      "--no-optional-locks",
      "status",
      "--porcelain=v1",
      "-z",
      `--untracked-files=${options.untracked === false ? "no" : "normal"}`,
    ];
    return { cwd, args, read: (result) => parseStatus(succeeded(args, result)) };
  },
};

/** The full commit id `ref` points to; throws GIT_UNKNOWN_REF when it names no commit. */
export function headCommit(cwd: string, ref = "HEAD"): string {
  return ask(queries.headCommit(cwd, ref));
}

/** The commit a local branch points to, or undefined when there is no such branch. */
export function branchTip(cwd: string, branch: string): string | undefined {
  return ask(queries.branchTip(cwd, branch));
}

/** Whether `commit` is reachable from `ref` (a commit is its own ancestor). */
export function isAncestor(root: string, commit: string, ref: string): boolean {
  return ask(queries.isAncestor(root, commit, ref));
}

/** NUL-separated output split into its non-empty fields. */
function fields(output: string): string[] {
  return output.split("\0").filter((f) => f !== "");
}

/**
 * Paths that differ between two commits or trees (`git diff --name-only`). Renames are listed
 * as a deletion plus an addition, so both paths appear: callers use this to see which files a
 * change touches.
 */
export function changedFiles(root: string, fromCommit: string, toCommit: string): string[] {
  assertRef(fromCommit);
  assertRef(toCommit);
  return fields(
    git(root, ["diff", "--name-only", "--no-renames", "-z", fromCommit, toCommit, "--"]),
  );
}

export interface FileStat {
  path: string;
  /** Lines added; null for a binary file. */
  added: number | null;
  /** Lines deleted; null for a binary file. */
  deleted: number | null;
}

export interface DiffStat {
  files: FileStat[];
  insertions: number;
  deletions: number;
}

/**
 * What `commit` changed since it forked from `base` (`git diff base...commit`): the stage's own
 * work, unaffected by what landed on the base since.
 */
export function diffStat(root: string, base: string, commit: string): DiffStat {
  return ask(queries.diffStat(root, base, commit));
}

function parseNumstat(out: string): DiffStat {
  const files: FileStat[] = [];
  for (const record of fields(out)) {
    // `<added>\t<deleted>\t<path>`; binary files show `-` for both counts.
    const [added = "", deleted = "", ...rest] = record.split("\t");
    files.push({
      path: rest.join("\t"),
      added: added === "-" ? null : Number(added),
      deleted: deleted === "-" ? null : Number(deleted),
    });
  }
  return {
    files,
    insertions: files.reduce((sum, f) => sum + (f.added ?? 0), 0),
    deletions: files.reduce((sum, f) => sum + (f.deleted ?? 0), 0),
  };
}

export interface CommitSummary {
  sha: string;
  subject: string;
}

/** Commits reachable from `commit` but not from `base`, newest first (git's order). */
export function commitsBetween(root: string, base: string, commit: string): CommitSummary[] {
  return ask(queries.commitsBetween(root, base, commit));
}

function parseLog(out: string): CommitSummary[] {
  return out
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const space = line.indexOf(" ");
      return { sha: line.slice(0, space), subject: line.slice(space + 1) };
    });
}

/**
 * Paths with uncommitted changes in the checkout at `cwd`: modified, staged, deleted, unmerged
 * and untracked (an untracked directory shows once, as `dir/`), both sides of a rename. Flux's
 * own `.work` and `.worktrees` are left out. Ignored files are not changes.
 * `untracked: false` (default true) lists changes to tracked files only.
 */
export function dirtyFiles(cwd: string, options: { untracked?: boolean } = {}): string[] {
  return ask(queries.dirtyFiles(cwd, options));
}

function parseStatus(out: string): string[] {
  const records = out.split("\0");
  const files: string[] = [];
  for (let i = 0; i < records.length; i++) {
    const record = records[i] ?? "";
    if (record.length < 4) continue;
    const xy = record.slice(0, 2);
    files.push(record.slice(3));
    // A rename or copy is followed by a field holding its source path.
    if (xy.includes("R") || xy.includes("C")) {
      const source = records[++i];
      if (source !== undefined && source !== "") files.push(source);
    }
  }
  return [...new Set(files)].filter((file) => !isFluxEntry(file));
}

/** Paths with unmerged (conflicted) index entries in the checkout at `cwd`. */
export function unmergedFiles(cwd: string): string[] {
  return [...new Set(fields(git(cwd, ["diff", "--name-only", "--diff-filter=U", "-z"])))];
}

export interface Worktree {
  path: string;
  /** The checked-out branch without `refs/heads/`; absent on a detached HEAD. */
  branch?: string;
  /** The commit checked out (all zeros on an unborn branch). */
  head: string;
  detached: boolean;
  bare: boolean;
  locked: boolean;
  lockReason?: string;
  /** The directory is gone: `git worktree prune` would remove the entry. */
  prunable: boolean;
  prunableReason?: string;
}

/** Every worktree of the repository, the main one first (`git worktree list --porcelain -z`). */
export function listWorktrees(root: string): Worktree[] {
  const out = git(root, ["worktree", "list", "--porcelain", "-z"]);
  const worktrees: Worktree[] = [];
  let current: Worktree | undefined;
  // Each attribute ends with NUL; an empty field ends a worktree.
  for (const field of out.split("\0")) {
    if (field === "") {
      if (current !== undefined) worktrees.push(current);
      current = undefined;
      continue;
    }
    const space = field.indexOf(" ");
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? undefined : field.slice(space + 1);
    if (key === "worktree") {
      current = {
        path: value ?? "",
        head: "",
        detached: false,
        bare: false,
        locked: false,
        prunable: false,
      };
      continue;
    }
    if (current === undefined) continue;
    if (key === "HEAD") current.head = value ?? "";
    else if (key === "branch") current.branch = (value ?? "").replace(/^refs\/heads\//, "");
    else if (key === "detached") current.detached = true;
    else if (key === "bare") current.bare = true;
    else if (key === "locked") {
      current.locked = true;
      if (value !== undefined) current.lockReason = value;
    } else if (key === "prunable") {
      current.prunable = true;
      if (value !== undefined) current.prunableReason = value;
    }
  }
  if (current !== undefined) worktrees.push(current);
  return worktrees;
}

/** The path of the worktree that has `branch` checked out, if any. */
export function checkedOutWorktreeOf(root: string, branch: string): string | undefined {
  return listWorktrees(root).find((w) => w.branch === branch && !w.prunable)?.path;
}
