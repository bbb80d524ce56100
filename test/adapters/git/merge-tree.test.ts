/** The read-only "would these two commits conflict?" question behind predicted conflicts. */
import { describe, expect, it } from "vitest";
import {
  headCommit,
  mergeConflicts,
  mergeConflictsAsync,
} from "../../../src/adapters/git/index.ts";
import { tempRepo, type TempRepo } from "../../kit/temp-repo.ts";

/** A branch off `main` with `files` written and committed; returns its head. */
function branch(repo: TempRepo, name: string, files: Record<string, string>): string {
  repo.git("checkout", "-q", "-b", name, "main");
  for (const [rel, content] of Object.entries(files)) repo.write(rel, content);
  repo.git("add", ".");
  repo.git("commit", "-q", "-m", `${name} work`);
  const head = headCommit(repo.dir);
  repo.git("checkout", "-q", "main");
  return head;
}

describe("mergeConflicts", () => {
  it("names the path two branches both change, and nothing for disjoint changes", async () => {
    await using repo = await tempRepo();
    repo.write("src/auth.ts", "export const a = 1;\n");
    repo.git("add", ".");
    repo.git("commit", "-q", "-m", "auth");
    const api = branch(repo, "flux/api", { "src/auth.ts": "api\n", "src/api.ts": "x\n" });
    const ui = branch(repo, "flux/ui", { "src/auth.ts": "ui\n" });
    const docs = branch(repo, "flux/docs", { "docs.md": "docs\n" });
    const before = repo.git("for-each-ref").trim();

    expect(mergeConflicts(repo.dir, api, ui)).toEqual(["src/auth.ts"]);
    expect(await mergeConflictsAsync(repo.dir, "flux/api", "flux/ui")).toEqual(["src/auth.ts"]);
    expect(await mergeConflictsAsync(repo.dir, api, docs)).toEqual([]);
    expect(mergeConflicts(repo.dir, "main", ui)).toEqual([]);
    // Read-only: no ref, index or file changed.
    expect(repo.git("for-each-ref").trim()).toBe(before);
    expect(repo.git("status", "--porcelain")).toBe("");
  });

  it("refuses a ref that git would read as an option, and fails on an unknown one", async () => {
    await using repo = await tempRepo();
    expect(() => mergeConflicts(repo.dir, "--help", "main")).toThrow(
      expect.objectContaining({ code: "GIT_BAD_REF" }),
    );
    await expect(mergeConflictsAsync(repo.dir, "main", "nope")).rejects.toThrow();
  });
});
