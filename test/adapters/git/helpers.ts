/** Shared set-up for the git adapter tests: a repository prepared the way `flux init` leaves it. */
import fs from "node:fs";
import path from "node:path";
import { ensureExcluded, findRepo } from "../../../src/adapters/git/index.ts";
import { tempRepo, type TempRepo } from "../../kit/temp-repo.ts";

/**
 * A temp repository with `.work` and `.worktrees/` excluded (as `flux init` does) and a local
 * identity, so the adapter's own commits (commit-tree, rebase) work without a global git config.
 */
export async function fluxRepo(): Promise<TempRepo> {
  const repo = await tempRepo();
  repo.git("config", "user.name", "Flux Test");
  repo.git("config", "user.email", "test@flux.invalid");
  repo.git("config", "commit.gpgSign", "false");
  ensureExcluded(findRepo(repo.dir), [".work", ".worktrees/"]);
  return repo;
}

/** Writes `rel` in the checkout `cwd`, commits it there and returns the new commit. */
export function commitFile(
  repo: TempRepo,
  cwd: string,
  rel: string,
  content: string,
  message = `change ${rel}`,
): string {
  const file = path.join(cwd, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  repo.git("-C", cwd, "add", "--", rel);
  repo.git("-C", cwd, "commit", "-q", "-m", message);
  return rev(repo, cwd, "HEAD");
}

export function rev(repo: TempRepo, cwd: string, ref: string): string {
  return repo.git("-C", cwd, "rev-parse", ref).trim();
}

/** `git status --porcelain` of a checkout, as the user would see it. */
export function status(repo: TempRepo, cwd: string = repo.dir): string {
  return repo.git("-C", cwd, "status", "--porcelain");
}

export function parents(repo: TempRepo, commit: string): string[] {
  return repo.git("rev-list", "--parents", "-n", "1", commit).trim().split(" ").slice(1);
}
