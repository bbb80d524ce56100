/** Stages that finish together merge smaller change first (engine/merge-order.ts, real git). */
import { describe, expect, it } from "vitest";
import { mergeFirst } from "../../src/engine/merge-order.ts";
import type { WorkPaths } from "../../src/store/paths.ts";
import type { StageRecord } from "../../src/store/store.ts";
import { tempRepo, type TempRepo } from "../kit/temp-repo.ts";

function branch(repo: TempRepo, id: string, lines: number): void {
  repo.git("checkout", "-q", "-b", `flux/${id}`, "main");
  repo.write(`${id}.txt`, "x\n".repeat(lines));
  repo.git("add", ".");
  repo.git("commit", "-q", "-m", id);
  repo.git("checkout", "-q", "main");
}

const stage = (id: string) => ({ id }) as StageRecord;

describe("mergeFirst", () => {
  it("starts only the smallest change when several are ready, and a lone one at once", async () => {
    await using repo = await tempRepo();
    branch(repo, "big", 50);
    branch(repo, "small", 2);
    const logged: string[] = [];
    const ctx = {
      paths: { root: repo.dir } as WorkPaths,
      log: (line: string) => logged.push(line),
    };
    const picked = mergeFirst(ctx, "main", [stage("big"), stage("small"), stage("gone")]);
    // A stage whose branch is gone (merged by a killed daemon) has nothing left to size.
    expect(picked.map((s) => s.id)).toEqual(["gone"]);
    expect(mergeFirst(ctx, "main", [stage("big"), stage("small")]).map((s) => s.id)).toEqual([
      "small",
    ]);
    expect(mergeFirst(ctx, "main", [stage("big")]).map((s) => s.id)).toEqual(["big"]);
    // A base git cannot size against: plan order, said in the log, never a failed pass.
    expect(mergeFirst(ctx, "nosuch", [stage("big"), stage("small")]).map((s) => s.id)).toEqual([
      "big",
      "small",
    ]);
    expect(logged.join("\n")).toContain("ordering merges failed");
  });
});
