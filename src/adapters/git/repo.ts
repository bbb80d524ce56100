/** Facts about the repository Flux runs in. */
import fs from "node:fs";
import path from "node:path";
import { notAGitRepo } from "../../core/errors.ts";
import { gitTry } from "./run.ts";

export interface RepoInfo {
  /** The main worktree's root (where `.work/` lives), even when called from a linked worktree. */
  root: string;
  /** The shared git directory (`.git` of the main worktree). */
  commonDir: string;
}

export function findRepo(cwd: string): RepoInfo {
  const result = gitTry(cwd, [
    "rev-parse",
    "--path-format=absolute",
    "--git-common-dir",
    "--show-toplevel",
  ]);
  if (result.status !== 0) throw notAGitRepo(cwd);
  const [commonDir = "", toplevel = ""] = result.stdout.trim().split("\n");
  const root = path.basename(commonDir) === ".git" ? path.dirname(commonDir) : toplevel;
  return { root, commonDir };
}

/** The branch checked out in `cwd`, or undefined on a detached HEAD / unborn repo without name. */
export function currentBranch(cwd: string): string | undefined {
  const result = gitTry(cwd, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
  return result.status === 0 ? result.stdout.trim() : undefined;
}

export function branchExists(cwd: string, branch: string): boolean {
  return gitTry(cwd, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`]).status === 0;
}

/**
 * Adds patterns to `.git/info/exclude` once each. `.work` has no trailing slash: inside a
 * worktree it is a symlink, which a directory pattern would not match.
 */
export function ensureExcluded(info: RepoInfo, patterns: readonly string[]): string[] {
  const file = path.join(info.commonDir, "info", "exclude");
  let text = "";
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const present = new Set(text.split("\n").map((l) => l.trim()));
  const missing = patterns.filter((p) => !present.has(p));
  if (missing.length === 0) return [];
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const prefix = text === "" || text.endsWith("\n") ? text : `${text}\n`;
  fs.writeFileSync(file, `${prefix}# Flux state and worktrees\n${missing.join("\n")}\n`);
  return missing;
}
