/**
 * `git merge-tree --write-tree`: a merge computed on objects alone, touching no checkout, no
 * index and no ref. mergeStage uses it to build the merge it lands; the conflict prediction
 * uses it to ask, read-only, whether two in-flight branches would collide.
 */
import { gitTooOld } from "../../core/errors.ts";
import { ask, assertRef, type GitQuery } from "./inspect.ts";
import { askAsync } from "./inspect-async.ts";
import { GitError, type GitResult } from "./run.ts";
import { installedGitVersion, isGitSupported } from "./version.ts";

export const MERGE_TREE_ARGS = [
  "merge-tree",
  "--write-tree",
  "--name-only",
  "--no-messages",
  "-z",
] as const;

export interface MergeTree {
  /** The merged tree (with conflict markers in it when `conflicted` is not empty). */
  tree: string;
  /** git's verdict (exit 0); decided by the exit status, never by `conflicted` being empty. */
  clean: boolean;
  /** The conflicted paths, sorted and without repeats; empty for a clean merge. */
  conflicted: string[];
}

/**
 * Reads merge-tree's answer: exit 0 is a clean merge, 1 a conflicted one, both led by the tree
 * id. Anything else — or a 1 without a tree id, which git 2.39 also uses for usage errors — is a
 * failure, reported as "git too old" when that is the reason.
 */
export function readMergeTree(args: readonly string[], result: GitResult): MergeTree {
  const [tree = "", ...conflicted] = result.stdout.split("\0").filter((f) => f !== "");
  if ((result.status !== 0 && result.status !== 1) || !/^[0-9a-f]{40,64}$/.test(tree)) {
    const version = installedGitVersion();
    if (version !== undefined && !isGitSupported(version)) throw gitTooOld(version);
    throw new GitError(args, result.status, result.stderr);
  }
  const clean = result.status === 0;
  return { tree, clean, conflicted: clean ? [] : [...new Set(conflicted)].sort() };
}

/** Would merging `a` and `b` conflict, and on which paths (empty: they merge cleanly)? */
export function mergeConflictsQuery(root: string, a: string, b: string): GitQuery<string[]> {
  assertRef(a);
  assertRef(b);
  const args = [...MERGE_TREE_ARGS, a, b];
  return { cwd: root, args, read: (result) => readMergeTree(args, result).conflicted };
}

export function mergeConflicts(root: string, a: string, b: string): string[] {
  return ask(mergeConflictsQuery(root, a, b));
}

export function mergeConflictsAsync(root: string, a: string, b: string): Promise<string[]> {
  return askAsync(mergeConflictsQuery(root, a, b));
}
