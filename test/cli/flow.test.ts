/**
 * `flux pause`, `flux drain`, `flux daemon resume` through the real CLI: with no daemon the mode
 * goes into the store for the next one; with one, through its API; `flux status` shows it; a
 * session may not steer the scheduler.
 */
import { describe, expect, it } from "vitest";
import { fluxRepo } from "../kit/flux-repo.ts";

describe("flow control commands", () => {
  it("set the mode with no daemon running, and status shows it", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const paused = await repo.ok(["pause"]);
    expect(paused.stdout).toContain("Paused: no session starts");
    expect(paused.stdout).toContain("No daemon runs: the next one starts paused.");
    expect((await repo.ok(["pause"])).stdout).toContain("Already paused.");
    const status = await repo.ok(["status"]);
    expect(status.stdout).toMatch(/^Paused: no session starts until `flux daemon resume`$/m);
    expect(JSON.parse((await repo.ok(["status", "--json"])).stdout)).toMatchObject({
      flow: "paused",
    });
    expect(JSON.parse((await repo.ok(["drain", "--json"])).stdout)).toEqual({
      mode: "draining",
      previous: "paused",
      daemon: false,
    });
    expect((await repo.ok(["status"])).stdout).toMatch(/^Draining: no new stage starts/m);
    expect(JSON.parse((await repo.ok(["daemon", "resume", "--json"])).stdout)).toEqual({
      mode: "running",
      previous: "draining",
      daemon: false,
    });
    expect((await repo.ok(["status"])).stdout).not.toMatch(/Paused|Draining/);
  });

  it("go through the daemon while one runs", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    await repo.ok(["daemon", "start", "-d"]);
    expect(JSON.parse((await repo.ok(["pause", "--json"])).stdout)).toEqual({
      mode: "paused",
      previous: "running",
      daemon: true,
    });
    expect(JSON.parse((await repo.ok(["status", "--json"])).stdout)).toMatchObject({
      flow: "paused",
    });
  });

  it("are refused inside a session", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const refused = await repo.run(["pause"], { FLUX_SESSION_ID: "ses_x" });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain("REFUSED_IN_SESSION");
  });
});
