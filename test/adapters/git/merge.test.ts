/**
 * mergeStage against real repositories: the user's checkout keeps exactly their own changes,
 * and every refusal (conflict, overlap) leaves the base and the files untouched.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createWorktree, isAncestor, mergeStage } from "../../../src/adapters/git/index.ts";
import type { TempRepo } from "../../kit/temp-repo.ts";
import { commitFile, fluxRepo, parents, rev, status } from "./helpers.ts";

/** A repository with a few tracked files, as the base for a stage. */
async function project(): Promise<TempRepo> {
  const repo = await fluxRepo();
  repo.write("shared.txt", "one\ntwo\nthree\n");
  repo.write("notes.txt", "notes\n");
  repo.write("staged.txt", "staged\n");
  repo.git("add", ".");
  repo.git("commit", "-q", "-m", "project files");
  return repo;
}

/** Stage `api` adds src/feature.ts and edits the first line of shared.txt; returns its commit. */
async function stageWork(repo: TempRepo): Promise<{ path: string; commit: string }> {
  const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });
  commitFile(repo, wt.path, "src/feature.ts", "export const feature = 1;\n");
  const commit = commitFile(repo, wt.path, "shared.txt", "ONE\ntwo\nthree\n");
  return { path: wt.path, commit };
}

function merge(repo: TempRepo, commit: string) {
  return mergeStage({
    root: repo.dir,
    baseBranch: "main",
    commit,
    stageId: "api",
    message: "Merge flux/api: the API",
  });
}

function snapshot(repo: TempRepo, files: string[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f, repo.read(f)]));
}

describe("mergeStage", () => {
  it("merges into the checked-out base and leaves the user's uncommitted and untracked files exactly as they were", async () => {
    await using repo = await project();
    const stage = await stageWork(repo);
    commitFile(repo, repo.dir, "main.txt", "meanwhile on main\n");
    // The user's own work in progress: unstaged, staged and untracked.
    repo.write("notes.txt", "my unsaved notes\n");
    repo.write("staged.txt", "staged by me\n");
    repo.git("add", "staged.txt");
    repo.write("local.txt", "untracked\n");
    repo.write("scratch/todo.md", "- untracked dir\n");
    const userFiles = ["notes.txt", "staged.txt", "local.txt", "scratch/todo.md"];
    const before = status(repo);
    const contents = snapshot(repo, userFiles);
    const baseBefore = rev(repo, repo.dir, "main");

    const result = await merge(repo, stage.commit);

    expect(result).toMatchObject({ kind: "merged", baseBefore });
    if (result.kind !== "merged") return;
    expect(status(repo)).toBe(before);
    expect(snapshot(repo, userFiles)).toEqual(contents);
    expect(repo.git("diff", "--cached", "--name-only").trim()).toBe("staged.txt");
    expect(rev(repo, repo.dir, "HEAD")).toBe(result.mergeCommit);
    expect(parents(repo, result.mergeCommit)).toEqual([baseBefore, stage.commit]);
    expect(repo.git("log", "-1", "--format=%s").trim()).toBe("Merge flux/api: the API");
    expect(repo.read("src/feature.ts")).toBe("export const feature = 1;\n");
    expect(repo.read("shared.txt")).toBe("ONE\ntwo\nthree\n");
    expect(repo.read("main.txt")).toBe("meanwhile on main\n");
    expect(isAncestor(repo.dir, stage.commit, "main")).toBe(true);
    expect(repo.git("reflog", "-1", "--format=%gs", "main").trim()).toBe("flux: merge stage api");
  });

  it("merges into a base that is not checked out without touching the main checkout", async () => {
    await using repo = await project();
    const stage = await stageWork(repo);
    repo.git("checkout", "-q", "-b", "dev");
    const dev = commitFile(repo, repo.dir, "dev.txt", "dev work\n");
    repo.write("notes.txt", "unsaved on dev\n");
    const before = status(repo);
    const baseBefore = rev(repo, repo.dir, "main");

    const result = await merge(repo, stage.commit);

    expect(result.kind).toBe("merged");
    if (result.kind !== "merged") return;
    expect(rev(repo, repo.dir, "main")).toBe(result.mergeCommit);
    expect(parents(repo, result.mergeCommit)).toEqual([baseBefore, stage.commit]);
    expect(repo.git("symbolic-ref", "--short", "HEAD").trim()).toBe("dev");
    expect(rev(repo, repo.dir, "HEAD")).toBe(dev);
    expect(status(repo)).toBe(before);
    expect(repo.read("notes.txt")).toBe("unsaved on dev\n");
    expect(fs.existsSync(path.join(repo.dir, "src/feature.ts"))).toBe(false);
  });

  it("reports an overlap and changes nothing when the user edited a file the stage changes", async () => {
    await using repo = await project();
    const stage = await stageWork(repo);
    repo.write("shared.txt", "one\ntwo\nthree\nmy line\n");
    repo.write("notes.txt", "unrelated edit\n");
    const before = status(repo);
    const base = rev(repo, repo.dir, "main");

    const result = await merge(repo, stage.commit);

    expect(result).toEqual({ kind: "overlap", files: ["shared.txt"] });
    expect(rev(repo, repo.dir, "main")).toBe(base);
    expect(status(repo)).toBe(before);
    expect(repo.read("shared.txt")).toBe("one\ntwo\nthree\nmy line\n");
    expect(fs.existsSync(path.join(repo.dir, "src/feature.ts"))).toBe(false);
  });

  it("reports an overlap when an untracked file of the user sits where the stage adds one", async () => {
    await using repo = await project();
    const stage = await stageWork(repo);
    repo.write("src/feature.ts", "the user's own draft\n");
    const base = rev(repo, repo.dir, "main");

    const result = await merge(repo, stage.commit);

    expect(result).toEqual({ kind: "overlap", files: ["src/feature.ts"] });
    expect(rev(repo, repo.dir, "main")).toBe(base);
    expect(repo.read("src/feature.ts")).toBe("the user's own draft\n");
  });

  it("merges beside an untracked file in a directory the stage adds files to", async () => {
    await using repo = await project();
    const stage = await stageWork(repo);
    repo.write("src/draft.ts", "the user's own draft\n");

    const result = await merge(repo, stage.commit);

    expect(result.kind).toBe("merged");
    expect(status(repo)).toBe("?? src/draft.ts\n");
    expect(repo.read("src/draft.ts")).toBe("the user's own draft\n");
    expect(repo.read("src/feature.ts")).toBe("export const feature = 1;\n");
  });

  it("reports an overlap when an ignored file of the user sits where the stage adds one", async () => {
    await using repo = await project();
    commitFile(repo, repo.dir, ".gitignore", "*.local\n");
    const wt = await createWorktree({ root: repo.dir, stageId: "api", baseBranch: "main" });
    fs.writeFileSync(path.join(wt.path, "settings.local"), "from the stage\n");
    repo.git("-C", wt.path, "add", "--force", "settings.local");
    repo.git("-C", wt.path, "commit", "-q", "-m", "add settings");
    repo.write("settings.local", "the user's secrets\n");
    const base = rev(repo, repo.dir, "main");

    const result = await merge(repo, rev(repo, wt.path, "HEAD"));

    expect(result).toEqual({ kind: "overlap", files: ["settings.local"] });
    expect(rev(repo, repo.dir, "main")).toBe(base);
    expect(repo.read("settings.local")).toBe("the user's secrets\n");
  });

  it("waits while the user's checkout is in the middle of a conflicted merge", async () => {
    await using repo = await project();
    const stage = await stageWork(repo);
    repo.git("checkout", "-q", "-b", "other");
    commitFile(repo, repo.dir, "notes.txt", "other notes\n");
    repo.git("checkout", "-q", "main");
    commitFile(repo, repo.dir, "notes.txt", "main notes\n");
    expect(() => repo.git("merge", "-q", "other")).toThrow();
    const base = rev(repo, repo.dir, "main");
    const before = status(repo);

    const result = await merge(repo, stage.commit);

    expect(result).toEqual({ kind: "overlap", files: ["notes.txt"] });
    expect(rev(repo, repo.dir, "main")).toBe(base);
    expect(status(repo)).toBe(before);
  });

  it("reports conflicting files between the branches and leaves the base untouched", async () => {
    await using repo = await project();
    const stage = await stageWork(repo);
    commitFile(repo, repo.dir, "shared.txt", "uno\ntwo\nthree\n", "main edits the same line");
    const base = rev(repo, repo.dir, "main");

    const result = await merge(repo, stage.commit);

    expect(result).toEqual({ kind: "conflict", files: ["shared.txt"] });
    expect(rev(repo, repo.dir, "main")).toBe(base);
    expect(status(repo)).toBe("");
    expect(repo.read("shared.txt")).toBe("uno\ntwo\nthree\n");
    expect(fs.existsSync(path.join(repo.dir, ".git", "MERGE_HEAD"))).toBe(false);
    expect(rev(repo, repo.dir, "flux/api")).toBe(stage.commit);
  });

  it("puts the base back when the checkout cannot follow, and gives up while its index stays locked", async () => {
    await using repo = await project();
    const stage = await stageWork(repo);
    const base = rev(repo, repo.dir, "main");
    // The user's git holds the index: read-tree fails after the ref already moved.
    const lock = path.join(repo.dir, ".git", "index.lock");
    fs.writeFileSync(lock, "");

    await expect(merge(repo, stage.commit)).rejects.toMatchObject({ code: "MERGE_RACE" });

    expect(rev(repo, repo.dir, "main")).toBe(base);
    expect(repo.git("reflog", "-1", "--format=%gs", "main")).toContain("flux: undo");
    fs.rmSync(lock);
    expect(status(repo)).toBe("");
    expect(fs.existsSync(path.join(repo.dir, "src/feature.ts"))).toBe(false);
    // Once the lock is gone the same merge goes through.
    expect((await merge(repo, stage.commit)).kind).toBe("merged");
  });

  it("answers up_to_date for a commit the base already contains", async () => {
    await using repo = await project();
    const stage = await stageWork(repo);
    const first = await merge(repo, stage.commit);
    expect(first.kind).toBe("merged");
    const base = rev(repo, repo.dir, "main");

    expect(await merge(repo, stage.commit)).toEqual({ kind: "up_to_date" });
    expect(await merge(repo, rev(repo, repo.dir, "main~1"))).toEqual({ kind: "up_to_date" });
    expect(rev(repo, repo.dir, "main")).toBe(base);
  });

  it("refuses an unknown commit, base branch or stage id before doing anything", async () => {
    await using repo = await project();
    const stage = await stageWork(repo);
    await expect(merge(repo, "0".repeat(40))).rejects.toMatchObject({ code: "GIT_UNKNOWN_REF" });
    await expect(
      mergeStage({
        root: repo.dir,
        baseBranch: "trunk",
        commit: stage.commit,
        stageId: "api",
        message: "m",
      }),
    ).rejects.toMatchObject({ code: "BASE_BRANCH_MISSING" });
    await expect(
      mergeStage({
        root: repo.dir,
        baseBranch: "main",
        commit: stage.commit,
        stageId: "Bad Id",
        message: "m",
      }),
    ).rejects.toMatchObject({ code: "STAGE_ID_INVALID" });
  });
});
