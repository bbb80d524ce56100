/** Read-only git questions: commits, ancestry, diffs and the state of a checkout. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  changedFiles,
  commitsBetween,
  diffStat,
  dirtyFiles,
  headCommit,
  isAncestor,
  unmergedFiles,
} from "../../../src/adapters/git/index.ts";
import { tempRepo } from "../../kit/temp-repo.ts";
import { commitFile, fluxRepo, rev } from "./helpers.ts";

describe("commits and diffs", () => {
  it("resolves commits and answers ancestry both ways", async () => {
    await using repo = await fluxRepo();
    const first = rev(repo, repo.dir, "HEAD");
    repo.git("checkout", "-q", "-b", "side");
    const second = commitFile(repo, repo.dir, "a.txt", "a\n");

    expect(headCommit(repo.dir)).toBe(second);
    expect(headCommit(repo.dir, "main")).toBe(first);
    expect(isAncestor(repo.dir, first, "side")).toBe(true);
    expect(isAncestor(repo.dir, second, "main")).toBe(false);
    expect(isAncestor(repo.dir, second, second)).toBe(true);
  });

  it("rejects unknown and option-like revisions with typed errors", async () => {
    await using repo = await fluxRepo();
    expect(() => headCommit(repo.dir, "no-such-branch")).toThrow(
      expect.objectContaining({ code: "GIT_UNKNOWN_REF" }),
    );
    expect(() => headCommit(repo.dir, "--all")).toThrow(
      expect.objectContaining({ code: "GIT_BAD_REF" }),
    );
    expect(() => isAncestor(repo.dir, "no-such-branch", "main")).toThrow(
      expect.objectContaining({ code: "GIT_FAILED" }),
    );
  });

  it("lists the stage's commits, changed files and line counts since it forked", async () => {
    await using repo = await fluxRepo();
    repo.write("old.txt", "one\ntwo\n");
    repo.git("add", "old.txt");
    repo.git("commit", "-q", "-m", "add old");
    const base = rev(repo, repo.dir, "HEAD");
    repo.git("checkout", "-q", "-b", "stage");
    const c1 = commitFile(repo, repo.dir, "src/new file.ts", "x\ny\nz\n", "add new file");
    repo.git("mv", "old.txt", "renamed.txt");
    repo.git("commit", "-q", "-m", "rename old");
    fs.writeFileSync(path.join(repo.dir, "logo.bin"), Buffer.from([0, 1, 2, 0, 255]));
    repo.git("add", "logo.bin");
    repo.git("commit", "-q", "-m", "binary");
    const tip = rev(repo, repo.dir, "HEAD");
    // A later commit on main must not count as the stage's work.
    repo.git("checkout", "-q", "main");
    commitFile(repo, repo.dir, "main-only.txt", "m\n");

    expect(commitsBetween(repo.dir, "main", tip).map((c) => c.subject)).toEqual([
      "binary",
      "rename old",
      "add new file",
    ]);
    expect(commitsBetween(repo.dir, "main", tip)[2]?.sha).toBe(c1);
    expect(changedFiles(repo.dir, base, tip).sort()).toEqual(
      ["logo.bin", "old.txt", "renamed.txt", "src/new file.ts"].sort(),
    );
    const stat = diffStat(repo.dir, "main", tip);
    expect(stat.files).toEqual(
      expect.arrayContaining([
        { path: "src/new file.ts", added: 3, deleted: 0 },
        { path: "old.txt", added: 0, deleted: 2 },
        { path: "renamed.txt", added: 2, deleted: 0 },
        { path: "logo.bin", added: null, deleted: null },
      ]),
    );
    expect(stat.files).toHaveLength(4);
    expect(stat).toMatchObject({ insertions: 5, deletions: 2 });
    expect(commitsBetween(repo.dir, tip, tip)).toEqual([]);
  });
});

describe("dirtyFiles", () => {
  it("lists modified, staged, deleted, renamed and untracked paths, leaving out Flux's own", async () => {
    // No exclude file here: Flux's entries must be left out even when git would show them.
    await using repo = await tempRepo();
    repo.write("keep.txt", "k\n");
    repo.write("gone.txt", "g\n");
    repo.write("move-me.txt", "m\n");
    repo.git("add", ".");
    repo.git("commit", "-q", "-m", "files");

    repo.write("README.md", "edited\n");
    repo.write("staged new.txt", "s\n");
    repo.git("add", "staged new.txt");
    fs.rmSync(path.join(repo.dir, "gone.txt"));
    repo.git("mv", "move-me.txt", "moved ü.txt");
    repo.write("scratch/one.md", "1\n");
    repo.write("scratch/two.md", "2\n");
    repo.write(".work/flux.db", "");
    repo.write(".worktrees/api/file", "");

    expect(dirtyFiles(repo.dir).sort()).toEqual(
      ["README.md", "gone.txt", "move-me.txt", "moved ü.txt", "scratch/", "staged new.txt"].sort(),
    );
    expect(dirtyFiles(repo.dir, { untracked: false }).sort()).toEqual(
      ["README.md", "gone.txt", "move-me.txt", "moved ü.txt", "staged new.txt"].sort(),
    );
    expect(unmergedFiles(repo.dir)).toEqual([]);
  });

  it("ignores the .work symlink of a stage worktree and reports a clean checkout as empty", async () => {
    await using repo = await tempRepo();
    fs.symlinkSync(path.join(repo.dir, "elsewhere"), path.join(repo.dir, ".work"));
    expect(dirtyFiles(repo.dir)).toEqual([]);
  });
});
