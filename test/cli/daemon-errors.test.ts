/**
 * Errors that come back from the daemon keep their code and exit code in the CLI — including
 * those that arrive as the error line of a stream (`flux verify` streams the gate's evidence):
 * once, every such error exited 1 "internal error", and environment errors came back as 500.
 * A real daemon and the real CLI.
 */
import { describe, expect, it } from "vitest";
import { WORK } from "../kit/agents.ts";
import { engineRepo } from "../kit/engine-repo.ts";

describe("errors over the daemon", () => {
  it("keep their code and exit code: not found 5, refused 4, environment 6", async () => {
    await using repo = await engineRepo({
      agents: { work: WORK },
      stagesYaml: `    - id: gated\n      command: "sh agents/work.sh"\n      verify: human\n    - id: after\n      dependencies: [gated]\n      command: "sh agents/work.sh"\n`,
    });
    await repo.ok(["run"], 4);
    expect(repo.state("gated")).toBe("awaiting_verification");

    const missing = await repo.ok(["verify", "nosuch", "--yes"], 5);
    expect(missing.stderr).toContain("STAGE_NOT_FOUND");
    const notAtGate = await repo.ok(["verify", "after", "--yes"], 4);
    expect(notAtGate.stderr).toContain("STAGE_NOT_AT_GATE");
    const json = await repo.ok(["verify", "nosuch", "--yes", "--json"], 5);
    expect(json.stdout + json.stderr).toContain('"code": "STAGE_NOT_FOUND"');

    // The evidence needs the base branch for its diff: without it, git fails inside the
    // daemon's stream — an environment error (6), not an internal one (1).
    repo.git("branch", "-m", "main", "trunk");
    const environment = await repo.ok(["verify", "gated", "--yes"], 6);
    expect(environment.stderr).toContain("GIT_FAILED");
    expect(environment.stderr).not.toMatch(/internal error/i);
    repo.git("branch", "-m", "trunk", "main");
    expect(repo.state("gated")).toBe("awaiting_verification");

    // Ids from the command line are checked before any request: none reaches another route.
    const sneaky = await repo.ok(["merge", "../../v1/shutdown?"], 2);
    expect(sneaky.stderr).toContain("STAGE_ID_INVALID");
    const path = await repo.ok(["resume", "/etc/passwd"], 2);
    expect(path.stderr).toContain("STAGE_ID_INVALID");
    const status = JSON.parse((await repo.ok(["daemon", "status", "--json"])).stdout) as {
      running: boolean;
    };
    expect(status.running).toBe(true);
  });
});
