import { describe, expect, it } from "vitest";
import { fluxRepo } from "../kit/flux-repo.ts";

describe("flux stage <id> <action>", () => {
  it("forces the manual edges through the state machine", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    expect((await repo.ok(["stage", "a", "block", "--reason", "needs keys"])).stdout).toBe(
      "a: ready → blocked (needs keys)\n",
    );
    expect((await repo.ok(["stage", "a", "reset"])).stdout).toBe("a: blocked → ready\n");
    const done = await repo.ok(["stage", "a", "complete", "--force", "--reason", "done by hand"]);
    expect(done.stdout).toBe("a: ready → completed (done by hand)\n");
    expect((await repo.ok(["stage", "b", "cancel"])).stdout).toBe("b: waiting → cancelled\n");
    const skipped = await repo.ok(["stage", "c", "skip", "--json"]);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ stage: { id: "c", state: "skipped" } });
    const stageFile = repo.read(".work/stages/a.md");
    expect(stageFile).toContain("- **State:** completed (done by hand)");
    expect(stageFile).toMatch(/ready → completed \(complete, manual: done by hand\)/);
    await repo.ok(["validate"]);
  });

  it("makes dependents ready when a dependency is skipped, and waiting again on reset", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const { stdout } = await repo.ok(["stage", "a", "skip"]);
    expect(stdout).toBe(
      "a: ready → skipped\n  b: waiting → ready (deps satisfied)\n  c: waiting → ready (deps satisfied)\n",
    );
    expect((await repo.ok(["stage", "a", "reset"])).stdout).toContain(
      "b: ready → waiting (deps unsatisfied)",
    );
  });

  it("refuses illegal edges, unknown stages and actions with a hint", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    await repo.ok(["stage", "a", "cancel"]);
    const illegal = await repo.ok(["stage", "a", "block", "--reason", "x"], 4);
    expect(illegal.stderr).toContain("error[STAGE_ILLEGAL_TRANSITION]");
    expect(illegal.stderr).toContain("hint:");
    const unknown = await repo.ok(["stage", "zz", "block", "--reason", "x"], 5);
    expect(unknown.stderr).toContain('error[STAGE_NOT_FOUND]: no stage "zz" in the active plan');
    expect(unknown.stderr).toContain("hint: stages: a, b, c, d");
    const action = await repo.ok(["stage", "b", "explode"], 2);
    expect(action.stderr).toContain("use one of: complete, block, reset, skip, cancel");
    const notRunning = await repo.ok(["stage", "b", "complete"], 4);
    expect(notRunning.stderr).toContain("error[STAGE_NOT_RUNNING]: b is waiting, not running");
    const noReason = await repo.ok(["stage", "b", "complete", "--force"], 2);
    expect(noReason.stderr).toContain("STAGE_REASON_REQUIRED");
  });

  it("is refused inside a session", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const result = await repo.ok(["stage", "a", "complete", "--force", "--reason", "trust me"], 4, {
      FLUX_SESSION_ID: "ses_123",
    });
    expect(result.stderr).toContain("error[REFUSED_IN_SESSION]");
    const status = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
      stages: { state: string }[];
    };
    expect(status.stages[0]?.state).toBe("ready");
  });

  it("needs an initialised repository", async () => {
    await using repo = await fluxRepo();
    const result = await repo.ok(["stage", "a", "block"], 5);
    expect(result.stderr).toContain("error[NOT_INITIALISED]");
    expect(result.stderr).toContain("flux init");
  });
});

describe("flux validate", () => {
  it("passes on a consistent repository", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const { stdout } = await repo.ok(["validate"]);
    expect(stdout).toBe("✓ database\n✓ projections\n✓ plan file\n✓ worktrees and sessions\n");
    const data = JSON.parse((await repo.ok(["validate", "--json"])).stdout) as {
      ok: boolean;
      checks: unknown[];
    };
    expect(data.ok).toBe(true);
    expect(data.checks).toHaveLength(4);
  });

  it("catches a hand-corrupted projection and repairs it with --fix", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    repo.write(
      ".work/stages/b.md",
      repo.read(".work/stages/b.md").replace("**State:** waiting", "**State:** merged"),
    );
    repo.write(".work/stages/ghost.md", "# ghost\n");
    const failed = await repo.ok(["validate"], 7);
    expect(failed.stdout).toContain("✗ projections");
    expect(failed.stdout).toContain(
      "PROJECTION_DIFFERS: .work/stages/b.md differs from the database",
    );
    expect(failed.stdout).toContain("PROJECTION_STRAY: .work/stages/ghost.md belongs to no stage");
    expect(failed.stdout).toContain("flux validate --fix");
    const fixed = await repo.ok(["validate", "--fix"]);
    expect(fixed.stdout).toContain("Rewrote 5 projection files.");
    expect(repo.read(".work/stages/b.md")).toContain("**State:** waiting");
  });

  it("catches a missing projection, a plan edited but not reconciled, and a deleted plan", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const { rmSync } = await import("node:fs");
    rmSync(`${repo.dir}/.work/execution-graph.toml`);
    repo.write("doc/plans/PLAN-test.md", repo.read("doc/plans/PLAN-test.md") + "\nMore text.\n");
    const result = await repo.ok(["validate", "--json"], 7);
    const data = JSON.parse(result.stdout) as {
      checks: { name: string; problems: { code: string }[] }[];
    };
    const codes = data.checks.flatMap((c) => c.problems.map((p) => p.code));
    expect(codes).toEqual(["PROJECTION_MISSING", "PLAN_NOT_RECONCILED"]);
    rmSync(`${repo.dir}/doc/plans/PLAN-test.md`);
    expect((await repo.ok(["validate"], 7)).stdout).toContain("PLAN_FILE_MISSING");
  });

  it("catches a database edited by hand", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(`${repo.dir}/.work/flux.db`);
    db.prepare("UPDATE stages SET state = 'merged' WHERE id = 'c'").run();
    db.close();
    const result = await repo.ok(["validate"], 7);
    expect(result.stdout).toContain(
      "DB_EVENT_MISMATCH: stage c is merged but its last event says waiting",
    );
    expect(result.stdout).toContain("✗ projections");
  });
});
