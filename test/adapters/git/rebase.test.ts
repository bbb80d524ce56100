/** `rebaseFrom`: a stacked stage's own commits moved from one base commit onto another. */
import { describe, expect, it } from "vitest";
import {
  createWorktree,
  mergeBaseAsync,
  rebaseFrom,
  rebaseInProgress,
} from "../../../src/adapters/git/index.ts";
import { commitFile, fluxRepo, rev } from "./helpers.ts";

const log = (git: (...args: string[]) => string, cwd: string, range: string) =>
  git("-C", cwd, "log", "--format=%s", range).trim().split("\n");

describe("rebaseFrom", () => {
  it("replays only the stage's own commits onto the dependency's new tip, then onto the base", async () => {
    await using repo = await fluxRepo();
    const dep = await createWorktree({ root: repo.dir, stageId: "dep", baseBranch: "main" });
    const first = commitFile(repo, dep.path, "dep.txt", "one\n", "dep one");
    const stacked = await createWorktree({
      root: repo.dir,
      stageId: "stacked",
      baseBranch: "flux/dep",
    });
    expect(await mergeBaseAsync(repo.dir, "flux/dep", "flux/stacked")).toBe(first);
    commitFile(repo, stacked.path, "mine.txt", "mine\n", "mine");
    // The dependency is rewritten (amended), not just extended.
    repo.git("-C", dep.path, "commit", "-q", "--amend", "-m", "dep one, amended");
    const amended = commitFile(repo, dep.path, "dep.txt", "one\ntwo\n", "dep two");

    const restacked = await rebaseFrom({ worktree: stacked.path, onto: amended, upstream: first });
    expect(restacked.kind).toBe("rebased");
    expect(log(repo.git, stacked.path, "main..HEAD")).toEqual([
      "mine",
      "dep two",
      "dep one, amended",
    ]);

    // The dependency merges with a merge commit; the stage goes onto the base alone.
    repo.git("merge", "-q", "--no-ff", "-m", "merge dep", "flux/dep");
    const onto = rev(repo, repo.dir, "main");
    const retargeted = await rebaseFrom({ worktree: stacked.path, onto, upstream: amended });
    expect(retargeted).toEqual({ kind: "rebased", head: rev(repo, stacked.path, "HEAD") });
    expect(log(repo.git, stacked.path, "main..HEAD")).toEqual(["mine"]);
  });

  it("aborts on a conflict and names the files; the branch is as it was", async () => {
    await using repo = await fluxRepo();
    const dep = await createWorktree({ root: repo.dir, stageId: "dep", baseBranch: "main" });
    const first = commitFile(repo, dep.path, "shared.txt", "dep\n");
    const stacked = await createWorktree({
      root: repo.dir,
      stageId: "stacked",
      baseBranch: "flux/dep",
    });
    const mine = commitFile(repo, stacked.path, "shared.txt", "mine\n");
    const moved = commitFile(repo, dep.path, "shared.txt", "dep again\n");

    const result = await rebaseFrom({ worktree: stacked.path, onto: moved, upstream: first });
    expect(result).toEqual({ kind: "conflict", files: ["shared.txt"] });
    expect(rev(repo, stacked.path, "HEAD")).toBe(mine);
    expect(await rebaseInProgress(stacked.path)).toBe(false);
  });

  it("refuses uncommitted changes", async () => {
    await using repo = await fluxRepo();
    const wt = await createWorktree({ root: repo.dir, stageId: "stacked", baseBranch: "main" });
    const base = rev(repo, repo.dir, "main");
    commitFile(repo, wt.path, "a.txt", "a\n");
    repo.git("-C", wt.path, "rm", "-q", "--cached", "a.txt");
    await expect(
      rebaseFrom({ worktree: wt.path, onto: base, upstream: base }),
    ).rejects.toMatchObject({ code: "WORKTREE_DIRTY" });
  });
});
