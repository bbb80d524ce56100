/**
 * Merges racing for one base: inside one process the merge lock serialises them; across
 * processes (or against the user's own commits) the compare-and-swap on the base ref makes the
 * loser start over. Either way every merge lands and none is lost.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";
import {
  createWorktree,
  isAncestor,
  mergeStage,
  type MergeResult,
} from "../../../src/adapters/git/index.ts";
import type { TempRepo } from "../../kit/temp-repo.ts";
import { commitFile, fluxRepo, parents, rev, status } from "./helpers.ts";

const writer = path.resolve(import.meta.dirname, "merge-writer.ts");

/** Stages `s0…s{n-1}`, each adding a file of its own; returns their commits by stage id. */
async function stages(repo: TempRepo, count: number): Promise<Map<string, string>> {
  const commits = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const stageId = `s${i}`;
    const wt = await createWorktree({ root: repo.dir, stageId, baseBranch: "main" });
    commits.set(stageId, commitFile(repo, wt.path, `${stageId}.txt`, `${stageId}\n`));
  }
  return commits;
}

function runWriter(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", writer, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`writer exited ${code}: ${stderr}`)),
    );
  });
}

it("serialises concurrent merges into the checked-out base and lands every one", async () => {
  await using repo = await fluxRepo();
  const commits = await stages(repo, 4);
  repo.write("README.md", "the user's unsaved edit\n");
  repo.write("scratch.txt", "untracked\n");
  const before = status(repo);
  const start = rev(repo, repo.dir, "main");

  const results: MergeResult[] = await Promise.all(
    [...commits].map(([stageId, commit]) =>
      mergeStage({ root: repo.dir, baseBranch: "main", commit, stageId, message: stageId }),
    ),
  );

  expect(results.map((r) => r.kind)).toEqual(["merged", "merged", "merged", "merged"]);
  for (const [stageId, commit] of commits) {
    expect(isAncestor(repo.dir, commit, "main")).toBe(true);
    expect(repo.read(`${stageId}.txt`)).toBe(`${stageId}\n`);
  }
  // One after another: each merge's first parent is the previous merge.
  const merges = results.flatMap((r) => (r.kind === "merged" ? [r] : []));
  expect(merges[0]?.baseBefore).toBe(start);
  for (let i = 1; i < merges.length; i++) {
    expect(merges[i]?.baseBefore).toBe(merges[i - 1]?.mergeCommit);
    expect(parents(repo, merges[i]?.mergeCommit ?? "")[0]).toBe(merges[i - 1]?.mergeCommit);
  }
  expect(rev(repo, repo.dir, "HEAD")).toBe(merges[3]?.mergeCommit);
  expect(status(repo)).toBe(before);
  expect(repo.read("README.md")).toBe("the user's unsaved edit\n");
});

it(
  "lands merges from several processes at once through the compare-and-swap on the base ref",
  { timeout: 60_000 },
  async () => {
    await using repo = await fluxRepo();
    const commits = await stages(repo, 6);
    // The in-process lock cannot reach across processes, and two processes must never
    // update one checkout at once: the base is not checked out here, so only refs race.
    repo.git("checkout", "-q", "-b", "elsewhere");
    const pairs = [...commits].flat();

    const outputs = await Promise.all([
      runWriter([repo.dir, "main", ...pairs.slice(0, 4)]),
      runWriter([repo.dir, "main", ...pairs.slice(4, 8)]),
      runWriter([repo.dir, "main", ...pairs.slice(8, 12)]),
    ]);

    const results = outputs.flatMap((o) =>
      o
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as MergeResult & { stageId: string }),
    );
    expect(results.map((r) => r.kind)).toEqual(Array(6).fill("merged"));
    for (const commit of commits.values()) {
      expect(isAncestor(repo.dir, commit, "main")).toBe(true);
    }
    // Every merge sits on the first-parent chain of main: none was overwritten by another.
    const chain = repo.git("rev-list", "--first-parent", "main").trim().split("\n");
    for (const r of results) {
      if (r.kind === "merged") expect(chain).toContain(r.mergeCommit);
    }
    expect(repo.git("symbolic-ref", "--short", "HEAD").trim()).toBe("elsewhere");
  },
);
