/** The daemon's non-blocking git questions answer exactly as the CLI's synchronous ones. */
import { describe, expect, it } from "vitest";
import {
  commitsBetween,
  commitsBetweenAsync,
  diffStat,
  diffStatAsync,
  dirtyFiles,
  dirtyFilesAsync,
  headCommit,
  headCommitAsync,
  isAncestor,
  isAncestorAsync,
} from "../../../src/adapters/git/index.ts";
import { tempRepo } from "../../kit/temp-repo.ts";

async function outcome<T>(fn: () => T | Promise<T>): Promise<unknown> {
  try {
    return { value: await fn() };
  } catch (error) {
    const e = error as { code?: string; name?: string };
    return { error: e.code ?? e.name };
  }
}

describe("git questions, sync and async", () => {
  it("give the same answers and the same errors", async () => {
    await using repo = await tempRepo();
    const base = headCommit(repo.dir);
    repo.git("checkout", "-q", "-b", "topic");
    repo.write("a.txt", "a\n");
    repo.write("bin.dat", "\u0000\u0001");
    repo.git("add", ".");
    repo.git("commit", "-q", "-m", "topic work");
    repo.write("a.txt", "changed\n");
    repo.write("new file.txt", "x");
    repo.git("mv", "bin.dat", "moved.dat");
    const pairs: [string, () => unknown, () => Promise<unknown>][] = [
      ["head", () => headCommit(repo.dir), () => headCommitAsync(repo.dir)],
      ["unknown ref", () => headCommit(repo.dir, "nope"), () => headCommitAsync(repo.dir, "nope")],
      ["bad ref", () => headCommit(repo.dir, "-x"), () => headCommitAsync(repo.dir, "-x")],
      [
        "ancestor",
        () => isAncestor(repo.dir, base, "topic"),
        () => isAncestorAsync(repo.dir, base, "topic"),
      ],
      [
        "not ancestor",
        () => isAncestor(repo.dir, "topic", base),
        () => isAncestorAsync(repo.dir, "topic", base),
      ],
      [
        "diff",
        () => diffStat(repo.dir, "main", "topic"),
        () => diffStatAsync(repo.dir, "main", "topic"),
      ],
      [
        "log",
        () => commitsBetween(repo.dir, "main", "topic"),
        () => commitsBetweenAsync(repo.dir, "main", "topic"),
      ],
      ["dirty", () => dirtyFiles(repo.dir), () => dirtyFilesAsync(repo.dir)],
      [
        "tracked dirty",
        () => dirtyFiles(repo.dir, { untracked: false }),
        () => dirtyFilesAsync(repo.dir, { untracked: false }),
      ],
      [
        "missing cwd",
        () => dirtyFiles(`${repo.dir}/nope`),
        () => dirtyFilesAsync(`${repo.dir}/nope`),
      ],
    ];
    for (const [name, sync, async] of pairs) {
      const a = await outcome(sync);
      expect(await outcome(async), name).toEqual(a);
    }
    expect(await dirtyFilesAsync(repo.dir)).toEqual(
      expect.arrayContaining(["a.txt", "new file.txt", "moved.dat", "bin.dat"]),
    );
  });
});
