/** Stage worktrees: creation, reuse, the .work link, state, and guarded removal. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  branchExists,
  checkedOutWorktreeOf,
  createWorktree,
  gitTry,
  listWorktrees,
  mergeStage,
  removeWorktree,
  worktreePath,
  worktreeState,
} from "../../../src/adapters/git/index.ts";
import { FluxError } from "../../../src/core/errors.ts";
import { commitFile, fluxRepo, rev, status } from "./helpers.ts";

describe("createWorktree", () => {
  it("rejects stage ids that are unsafe as a directory or branch name", async () => {
    await using repo = await fluxRepo();
    for (const stageId of ["", "Upper", "-lead", "a/b", "../up", "a_b", "a.b", "x".repeat(64)]) {
      await expect(
        createWorktree({ root: repo.dir, stageId, baseBranch: "main" }),
      ).rejects.toMatchObject({ code: "STAGE_ID_INVALID" });
    }
    expect(fs.existsSync(path.join(repo.dir, ".worktrees"))).toBe(false);
    expect(worktreePath(repo.dir, "x".repeat(63))).toBe(
      path.join(repo.dir, ".worktrees", "x".repeat(63)),
    );
  });

  it("branches a new stage from the base and links .work back to the repository", async () => {
    await using repo = await fluxRepo();
    // A stage branch must not track the base even where the user asks git to always track.
    repo.git("config", "branch.autoSetupMerge", "always");
    const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });

    expect(wt).toEqual({
      path: path.join(repo.dir, ".worktrees", "api"),
      branch: "flux/api",
      created: true,
      reused: false,
    });
    expect(rev(repo, repo.dir, "flux/api")).toBe(rev(repo, repo.dir, "main"));
    expect(repo.git("-C", wt.path, "symbolic-ref", "--short", "HEAD").trim()).toBe("flux/api");
    expect(gitTry(repo.dir, ["config", "--get", "branch.flux/api.merge"]).status).toBe(1);
    const link = path.join(wt.path, ".work");
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe(path.join(repo.dir, ".work"));
    // The link and the worktrees folder are excluded: neither checkout looks dirty.
    expect(status(repo, wt.path)).toBe("");
    expect(status(repo)).toBe("");
  });

  it("returns the registered worktree on a second call without resetting it", async () => {
    await using repo = await fluxRepo();
    const first = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });
    const work = commitFile(repo, first.path, "api.ts", "export {};\n");
    fs.writeFileSync(path.join(first.path, "draft.txt"), "unsaved\n");

    const again = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });

    expect(again).toEqual({ ...first, created: false, reused: true });
    expect(rev(repo, again.path, "HEAD")).toBe(work);
    expect(fs.readFileSync(path.join(again.path, "draft.txt"), "utf8")).toBe("unsaved\n");
  });

  it("checks out an existing stage branch with its own commits instead of recreating it", async () => {
    await using repo = await fluxRepo();
    repo.git("checkout", "-q", "-b", "flux/api");
    const earlier = commitFile(repo, repo.dir, "api.ts", "v1\n", "earlier session");
    repo.git("checkout", "-q", "main");
    commitFile(repo, repo.dir, "main.txt", "later on main\n");

    const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });

    expect(wt.created).toBe(true);
    expect(wt.reused).toBe(true);
    expect(rev(repo, wt.path, "HEAD")).toBe(earlier);
    expect(fs.readFileSync(path.join(wt.path, "api.ts"), "utf8")).toBe("v1\n");
    expect(fs.existsSync(path.join(wt.path, "main.txt"))).toBe(false);
  });

  it("repoints a stale .work symlink left from an earlier location", async () => {
    await using repo = await fluxRepo();
    const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });
    const link = path.join(wt.path, ".work");
    fs.unlinkSync(link);
    fs.symlinkSync("/nonexistent/old/.work", link);

    await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });

    expect(fs.readlinkSync(link)).toBe(path.join(repo.dir, ".work"));
  });

  it("refuses a stage whose base branch does not exist", async () => {
    await using repo = await fluxRepo();
    await expect(
      createWorktree({ root: repo.dir, stageId: "api", baseBranch: "trunk" }),
    ).rejects.toMatchObject({ code: "BASE_BRANCH_MISSING" });
    expect(branchExists(repo.dir, "flux/api")).toBe(false);
  });
});

describe("listWorktrees and worktreeState", () => {
  it("lists the main checkout first, then stage worktrees with their branches", async () => {
    await using repo = await fluxRepo();
    const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });

    const list = listWorktrees(repo.dir);

    expect(list.map((w) => [w.path, w.branch, w.detached, w.locked, w.prunable])).toEqual([
      [repo.dir, "main", false, false, false],
      [wt.path, "flux/api", false, false, false],
    ]);
    expect(list[1]?.head).toBe(rev(repo, repo.dir, "main"));
    expect(checkedOutWorktreeOf(repo.dir, "flux/api")).toBe(wt.path);
    expect(checkedOutWorktreeOf(repo.dir, "nope")).toBeUndefined();
  });

  it("counts uncommitted paths and commits the base lacks, ignoring the .work link", async () => {
    await using repo = await fluxRepo();
    const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });
    expect(worktreeState(wt.path, "main")).toEqual({
      dirty: [],
      unmerged: 0,
      head: rev(repo, repo.dir, "main"),
    });

    commitFile(repo, wt.path, "a.ts", "a\n");
    const head = commitFile(repo, wt.path, "b.ts", "b\n");
    fs.writeFileSync(path.join(wt.path, "README.md"), "edited\n");
    fs.writeFileSync(path.join(wt.path, "new.txt"), "new\n");

    expect(worktreeState(wt.path, "main")).toEqual({
      dirty: ["README.md", "new.txt"],
      unmerged: 2,
      head,
    });
  });
});

describe("removeWorktree", () => {
  it("refuses to remove a worktree with uncommitted changes unless forced", async () => {
    await using repo = await fluxRepo();
    const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });
    fs.writeFileSync(path.join(wt.path, "unsaved.ts"), "work in progress\n");

    const refusal = await removeWorktree({
      root: repo.dir,
      stageId: "api",
      baseBranch: "main",
    }).catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(FluxError);
    expect(refusal).toMatchObject({ code: "WORKTREE_UNSAFE", exitCode: 4 });
    expect((refusal as FluxError).hint).toContain("--force");
    expect(fs.readFileSync(path.join(wt.path, "unsaved.ts"), "utf8")).toBe("work in progress\n");
    expect(fs.lstatSync(path.join(wt.path, ".work")).isSymbolicLink()).toBe(true);

    const forced = await removeWorktree({
      root: repo.dir,
      stageId: "api",
      baseBranch: "main",
      force: true,
    });
    expect(forced).toEqual({ removed: true, branchDeleted: true });
    expect(fs.existsSync(wt.path)).toBe(false);
    expect(listWorktrees(repo.dir)).toHaveLength(1);
  });

  it("refuses to drop unmerged commits, and when forced keeps them on the branch", async () => {
    await using repo = await fluxRepo();
    const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });
    const work = commitFile(repo, wt.path, "api.ts", "done\n");

    await expect(
      removeWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" }),
    ).rejects.toMatchObject({ code: "WORKTREE_UNSAFE", data: { unmerged: 1 } });
    expect(fs.existsSync(wt.path)).toBe(true);

    const forced = await removeWorktree({
      root: repo.dir,
      stageId: "api",
      baseBranch: "main",
      force: true,
    });
    expect(forced).toEqual({ removed: true, branchDeleted: false });
    expect(fs.existsSync(wt.path)).toBe(false);
    expect(rev(repo, repo.dir, "flux/api")).toBe(work);
  });

  it("removes a merged worktree and deletes its fully merged branch", async () => {
    await using repo = await fluxRepo();
    const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });
    const work = commitFile(repo, wt.path, "api.ts", "done\n");
    const merge = await mergeStage({
      root: repo.dir,
      baseBranch: "main",
      commit: work,
      stageId: "api",
      message: "Merge flux/api",
    });
    expect(merge.kind).toBe("merged");

    const result = await removeWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });

    expect(result).toEqual({ removed: true, branchDeleted: true });
    expect(fs.existsSync(wt.path)).toBe(false);
    expect(branchExists(repo.dir, "flux/api")).toBe(false);
    expect(status(repo)).toBe("");
  });

  it("reports that there is nothing to remove for a stage without a worktree", async () => {
    await using repo = await fluxRepo();
    const result = await removeWorktree({ root: repo.dir, stageId: "ghost", baseBranch: "main" });
    expect(result).toEqual({
      removed: false,
      reason: `no worktree at ${path.join(repo.dir, ".worktrees", "ghost")}`,
      branchDeleted: false,
    });
  });

  it("prunes the entry of a worktree whose directory was deleted by hand", async () => {
    await using repo = await fluxRepo();
    const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });
    fs.rmSync(wt.path, { recursive: true, force: true });

    const result = await removeWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });

    expect(result.removed).toBe(true);
    expect(listWorktrees(repo.dir)).toHaveLength(1);
    // And the stage can start again in the same place.
    const again = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });
    expect(again.created).toBe(true);
  });
});
