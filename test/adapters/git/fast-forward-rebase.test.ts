/** `merge: direct` support: fast-forwarding the base, and rebasing a stage branch onto it. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  createWorktree,
  fastForward,
  isAncestor,
  rebaseOnto,
} from "../../../src/adapters/git/index.ts";
import type { TempRepo } from "../../kit/temp-repo.ts";
import { commitFile, fluxRepo, rev, status } from "./helpers.ts";

async function project(): Promise<TempRepo> {
  const repo = await fluxRepo();
  commitFile(repo, repo.dir, "shared.txt", "one\ntwo\nthree\n", "shared");
  return repo;
}

async function stage(repo: TempRepo): Promise<{ path: string; commit: string }> {
  const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });
  const commit = commitFile(repo, wt.path, "src/feature.ts", "feature\n");
  return { path: wt.path, commit };
}

describe("fastForward", () => {
  it("moves the checked-out base to the stage commit and keeps the user's own changes", async () => {
    await using repo = await project();
    const { commit } = await stage(repo);
    repo.write("README.md", "edited by the user\n");
    repo.write("todo.txt", "untracked\n");
    const before = status(repo);
    const baseBefore = rev(repo, repo.dir, "main");

    const result = await fastForward({ root: repo.dir, baseBranch: "main", commit });

    expect(result).toEqual({ kind: "merged", mergeCommit: commit, baseBefore });
    expect(rev(repo, repo.dir, "HEAD")).toBe(commit);
    expect(status(repo)).toBe(before);
    expect(repo.read("README.md")).toBe("edited by the user\n");
    expect(repo.read("src/feature.ts")).toBe("feature\n");
  });

  it("refuses when the base has moved on, leaving it where it was", async () => {
    await using repo = await project();
    const { commit } = await stage(repo);
    const base = commitFile(repo, repo.dir, "other.txt", "meanwhile\n");

    const result = await fastForward({ root: repo.dir, baseBranch: "main", commit });

    expect(result).toEqual({ kind: "not_fast_forward" });
    expect(rev(repo, repo.dir, "main")).toBe(base);
    expect(status(repo)).toBe("");
  });

  it("reports an overlap instead of overwriting a file the user is editing", async () => {
    await using repo = await project();
    const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });
    const commit = commitFile(repo, wt.path, "shared.txt", "ONE\ntwo\nthree\n");
    repo.write("shared.txt", "mine\n");
    const base = rev(repo, repo.dir, "main");

    const result = await fastForward({ root: repo.dir, baseBranch: "main", commit });

    expect(result).toEqual({ kind: "overlap", files: ["shared.txt"] });
    expect(rev(repo, repo.dir, "main")).toBe(base);
    expect(repo.read("shared.txt")).toBe("mine\n");
  });

  it("answers up_to_date for a commit the base already contains", async () => {
    await using repo = await project();
    const base = rev(repo, repo.dir, "main");
    expect(await fastForward({ root: repo.dir, baseBranch: "main", commit: "main~1" })).toEqual({
      kind: "up_to_date",
    });
    expect(rev(repo, repo.dir, "main")).toBe(base);
  });
});

describe("rebaseOnto", () => {
  it("replays the stage branch onto the moved base", async () => {
    await using repo = await project();
    const { path: wt, commit } = await stage(repo);
    const base = commitFile(repo, repo.dir, "other.txt", "meanwhile\n");

    const result = await rebaseOnto({ worktree: wt, baseBranch: "main" });

    expect(result.kind).toBe("rebased");
    if (result.kind !== "rebased") return;
    expect(result.head).not.toBe(commit);
    expect(rev(repo, repo.dir, "flux/api")).toBe(result.head);
    expect(rev(repo, repo.dir, "flux/api~1")).toBe(base);
    expect(fs.readFileSync(path.join(wt, "other.txt"), "utf8")).toBe("meanwhile\n");
    expect(fs.readFileSync(path.join(wt, "src/feature.ts"), "utf8")).toBe("feature\n");
    expect(status(repo, wt)).toBe("");
    expect(isAncestor(repo.dir, "main", "flux/api")).toBe(true);
  });

  it("aborts a conflicting rebase and leaves the branch exactly as it was", async () => {
    await using repo = await project();
    const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });
    commitFile(repo, wt.path, "src/feature.ts", "feature\n");
    const commit = commitFile(repo, wt.path, "shared.txt", "ONE\ntwo\nthree\n");
    commitFile(repo, repo.dir, "shared.txt", "uno\ntwo\nthree\n");

    const result = await rebaseOnto({ worktree: wt.path, baseBranch: "main" });

    expect(result).toEqual({ kind: "conflict", files: ["shared.txt"] });
    expect(rev(repo, repo.dir, "flux/api")).toBe(commit);
    expect(repo.git("-C", wt.path, "symbolic-ref", "--short", "HEAD").trim()).toBe("flux/api");
    expect(status(repo, wt.path)).toBe("");
    const rebaseDir = repo.git("-C", wt.path, "rev-parse", "--git-path", "rebase-merge").trim();
    expect(fs.existsSync(path.resolve(wt.path, rebaseDir))).toBe(false);
  });

  it("refuses to rebase a worktree with uncommitted changes", async () => {
    await using repo = await project();
    const { path: wt, commit } = await stage(repo);
    commitFile(repo, repo.dir, "other.txt", "meanwhile\n");
    fs.writeFileSync(path.join(wt, "shared.txt"), "uncommitted\n");

    await expect(rebaseOnto({ worktree: wt, baseBranch: "main" })).rejects.toMatchObject({
      code: "WORKTREE_DIRTY",
      data: { files: ["shared.txt"] },
    });
    expect(rev(repo, repo.dir, "flux/api")).toBe(commit);
    expect(fs.readFileSync(path.join(wt, "shared.txt"), "utf8")).toBe("uncommitted\n");
  });
});
