/** The seeds' `.work/` layout: session and worktree projections, and `flux validate` against the world. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GATED } from "../kit/agents.ts";
import { engineRepo } from "../kit/engine-repo.ts";

interface ValidateJson {
  ok: boolean;
  checks: { name: string; problems: { code: string; message: string }[] }[];
}

describe(".work projections and validate", () => {
  it("projects sessions and worktrees, keeps .work private, and finds a missing worktree or session", async () => {
    await using repo = await engineRepo({
      agents: { gated: GATED },
      stagesYaml: `    - id: long\n      command: "sh agents/gated.sh"\n`,
    });
    repo.gate("long");
    const run = repo.spawn(["run"]);
    await run.waitFor(/long\s+ready → running/);
    const [session] = repo.sessions("long");
    if (session === undefined) throw new Error("no session");
    expect((fs.statSync(path.join(repo.dir, ".work")).mode & 0o777).toString(8)).toBe("700");
    // The projections follow the start: the stage and its session name each other.
    await repo.ok(["validate", "--fix"]);
    const sessionFile = repo.read(`.work/sessions/${session.id}.md`);
    expect(sessionFile).toContain(`# Session ${session.id}`);
    expect(sessionFile).toContain("- **Stage:** `long` (running)");
    expect(sessionFile).toContain("- **Agent:** command");
    expect(repo.read(".work/stages/long.md")).toContain(`- **Session:** \`${session.id}\``);
    const worktree = repo.read(".work/worktrees/long.toml");
    expect(worktree).toContain('branch = "flux/long"');
    expect(worktree).toContain('path = ".worktrees/long"');
    expect(worktree).toContain(`session = "${session.id}"`);
    const clean = JSON.parse((await repo.ok(["validate", "--json"])).stdout) as ValidateJson;
    expect(clean.ok).toBe(true);

    // The daemon stops (the session lives on in tmux), then the world changes under it.
    run.child.kill("SIGINT");
    await run.exit;
    await repo.ok(["daemon", "stop"]);
    repo.tmux("kill-session", "-t", "=flux-long");
    fs.rmSync(path.join(repo.dir, ".worktrees", "long"), { recursive: true, force: true });
    const broken = JSON.parse((await repo.ok(["validate", "--json"], 7)).stdout) as ValidateJson;
    const world = broken.checks.find((c) => c.name === "worktrees and sessions");
    expect(world?.problems.map((p) => p.code).sort()).toEqual(["SESSION_GONE", "WORKTREE_MISSING"]);
    const text = await repo.ok(["validate"], 7);
    expect(text.stdout).toContain("WORKTREE_MISSING");
    expect(text.stdout).toContain("flux/long keeps its work");
    // `flux worktree list` does not pretend there is nothing: the stage still needs its worktree.
    const list = await repo.ok(["worktree", "list"]);
    expect(list.stdout).not.toContain("No stage worktrees.");
    expect(list.stdout).toMatch(/long\s+running.*worktree missing: flux\/long keeps the work/);
    const listed = JSON.parse((await repo.ok(["worktree", "list", "--json"])).stdout) as {
      stage: string;
      missing?: boolean;
    }[];
    expect(listed).toEqual([expect.objectContaining({ stage: "long", missing: true })]);
  });
});
