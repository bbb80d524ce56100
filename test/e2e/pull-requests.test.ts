/**
 * `merge: pr` end to end: a real bare remote, `gh` faked at the GitHub boundary only (a stand-in
 * on PATH over a state file). The test merges, squashes or closes pull requests on the remote
 * itself and waits for Flux to see it.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { WORK } from "../kit/agents.ts";
import { daemonLog, engineRepo } from "../kit/engine-repo.ts";
import type { EngineRepo } from "../kit/engine-repo.ts";
import { bareRemote, ghStandin, mergeOnRemote } from "../kit/gh-standin.ts";
import { waitFor } from "../kit/tmux.ts";

/** Looks at open pull requests every second (or `every`) instead of every minute. */
function pollFast(repo: EngineRepo, every = "1s"): void {
  fs.appendFileSync(
    path.join(repo.dir, ".work", "config.toml"),
    `\n[merge]\npr_poll = "${every}"\n`,
  );
}

function reason(repo: EngineRepo, stage: string): string {
  return (
    repo.db<{ reason: string | null }>(
      "SELECT reason FROM stages s JOIN plans p ON p.id = s.plan_id AND p.active = 1 WHERE s.id = ?",
      stage,
    )[0]?.reason ?? ""
  );
}

function mergeCommit(repo: EngineRepo, stage: string): string | null {
  return (
    repo.db<{ merge_commit: string | null }>(
      "SELECT merge_commit FROM stages s JOIN plans p ON p.id = s.plan_id AND p.active = 1 WHERE s.id = ?",
      stage,
    )[0]?.merge_commit ?? null
  );
}

async function stateIs(repo: EngineRepo, stage: string, state: string): Promise<void> {
  try {
    await waitFor(() => repo.state(stage) === state, { timeoutMs: 30_000 });
  } catch {
    throw new Error(
      `${stage} is ${repo.state(stage)} (${reason(repo, stage)}), not ${state}; daemon log:\n${daemonLog(repo.dir)}`,
    );
  }
}

/** PATH without any directory that holds a `gh`. */
function pathWithoutGh(): string {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir !== "" && !fs.existsSync(path.join(dir, "gh")))
    .join(path.delimiter);
}

/** A scratch directory for the bare remote and the gh stand-in, removed after the test. */
function scratchDir(): { dir: string } & Disposable {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "flux-gh-"));
  return { dir, [Symbol.dispose]: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describe("merge: pr", () => {
  it("opens pull requests, sees a squash merge through gh and a closed one, and starts the dependent from the updated base", async () => {
    using temp = scratchDir();
    const scratch = temp.dir;
    const gh = ghStandin(scratch);
    await using repo = await engineRepo({
      agents: { work: WORK },
      env: gh.env,
      stagesYaml: `    - id: feature
      name: The feature
      description: Adds the feature file.
      command: "sh agents/work.sh"
      merge: pr
      acceptance:
        - command: "test -f feature.txt"
    - id: after
      dependencies: [feature]
      command: "sh agents/work.sh"
    - id: dropped
      command: "sh agents/work.sh"
      merge: pr
`,
    });
    const remote = bareRemote(repo.dir, scratch);
    pollFast(repo);

    const run = await repo.ok(["run"], 4);
    expect(run.stdout).toMatch(
      /feature\s+completed\s+pull request #\d open: https:\/\/github\.test/,
    );
    const pull = gh.pull("flux/feature");
    expect(pull).toMatchObject({
      state: "OPEN",
      base: "main",
      title: "The feature (flux: feature)",
    });
    expect(pull.body).toContain("Stage **feature**: The feature");
    expect(pull.body).toContain("Adds the feature file.");
    expect(pull.body).toMatch(/\| `test -f feature\.txt` \| passed \(exit 0\) \|/);
    expect(pull.body).toMatch(/1 session \(command\)/);
    expect(pull.body).toContain("Opened by Flux");
    const create = gh.calls().find((c) => c[1] === "create" && c.includes("flux/feature"));
    expect(create).toEqual(
      expect.arrayContaining(["--base", "main", "--head", "flux/feature", "--body-file"]),
    );
    // The branch on the remote is exactly the commit that passed.
    const passed = repo.db<{ passed_commit: string }>(
      "SELECT passed_commit FROM stages WHERE id = 'feature'",
    )[0]?.passed_commit;
    expect(repo.git("ls-remote", remote, "refs/heads/flux/feature").split("\t")[0]).toBe(passed);
    expect(repo.state("after")).toBe("waiting");
    const doctor = await repo.run(["doctor"]);
    expect(doctor.stdout).toContain(
      "gh version 2.0.0-standin (merge: pr opens pull requests with it)",
    );
    const status = await repo.ok(["status"]);
    expect(status.stdout).toContain(`pull request #${pull.number} open`);
    const view = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
      stages: { id: string; pullRequest?: unknown }[];
    };
    expect(view.stages.find((s) => s.id === "feature")?.pullRequest).toEqual({
      number: pull.number,
      url: pull.url,
      state: "open",
      branch: "flux/feature",
    });
    expect(view.stages.find((s) => s.id === "after")?.pullRequest).toBeUndefined();

    // Closed without merging: the stage is blocked, with the reason.
    const dropped = gh.pull("flux/dropped");
    gh.update(dropped.number, { state: "CLOSED" });
    await stateIs(repo, "dropped", "blocked");
    expect(reason(repo, "dropped")).toContain(
      `pull request #${dropped.number} was closed without merging`,
    );
    expect(reason(repo, "dropped")).toContain("flux stage dropped reset");

    // A squash merge leaves no ancestry: only gh says it merged.
    const squash = mergeOnRemote(remote, scratch, "flux/feature", "squash");
    gh.update(pull.number, {
      state: "MERGED",
      mergeCommit: { oid: squash },
      mergedAt: new Date().toISOString(),
    });
    await stateIs(repo, "feature", "merged");
    expect(mergeCommit(repo, "feature")).toBe(squash);
    expect(fs.existsSync(path.join(repo.dir, ".worktrees", "feature"))).toBe(false);

    // The dependent started from the updated base: its work sits on the squash commit.
    await stateIs(repo, "after", "merged");
    const work = repo.git("log", "--format=%H %s", "main").trim().split("\n");
    const afterWork = work.find((l) => l.endsWith("work for after"))?.split(" ")[0] ?? "";
    expect(repo.git("log", "-1", "--format=%P", afterWork).trim()).toBe(squash);
    expect(repo.read("feature.txt").trim()).toBe("feature");
    expect(gh.pulls().filter((p) => p.head === "flux/feature")).toHaveLength(1);

    // Reopened: `flux merge` checks the stage again, and it waits on the same pull request.
    gh.update(dropped.number, { state: "OPEN" });
    await repo.ok(["merge", "dropped"]);
    await waitFor(
      () => reason(repo, "dropped").startsWith(`pull request #${dropped.number} open`),
      { timeoutMs: 30_000 },
    );
    expect(repo.state("dropped")).toBe("completed");
    expect(gh.pulls().filter((p) => p.head === "flux/dropped")).toHaveLength(1);
  });

  it("adopts a pull request already open for the branch, and sees a merge commit on `flux merge`", async () => {
    using temp = scratchDir();
    const scratch = temp.dir;
    const gh = ghStandin(scratch);
    await using repo = await engineRepo({
      agents: { work: WORK },
      env: gh.env,
      stagesYaml: `    - id: one\n      command: "sh agents/work.sh"\n      merge: pr\n`,
    });
    const remote = bareRemote(repo.dir, scratch);
    // As if a daemon had opened it and been killed before recording it.
    const earlier = gh.add({ base: "main", head: "flux/one", title: "one" });
    const run = await repo.ok(["run"], 4);
    expect(run.stdout).toContain(`pull request #${earlier.number} open`);
    expect(gh.calls().filter((c) => c[1] === "create")).toEqual([]);

    // A restarted daemon looks at the same pull request and opens none.
    await repo.ok(["daemon", "stop"]);
    const again = await repo.ok(["merge", "one"], 4);
    expect(again.stdout).toContain(`pull request #${earlier.number} open`);
    expect(gh.pulls()).toHaveLength(1);

    const merge = mergeOnRemote(remote, scratch, "flux/one", "merge");
    gh.update(earlier.number, { state: "MERGED", mergeCommit: { oid: merge } });
    const merged = JSON.parse((await repo.ok(["merge", "one", "--json"])).stdout) as {
      kind: string;
      mergeCommit: string;
    };
    expect(merged).toEqual({ kind: "merged", mergeCommit: merge });
    expect(repo.state("one")).toBe("merged");
    expect(repo.git("rev-parse", "main").trim()).toBe(merge);
    expect(gh.calls().filter((c) => c[1] === "create")).toEqual([]);
  });

  it("without gh, pushes the branch and recognises the merge by ancestry", async () => {
    using temp = scratchDir();
    const scratch = temp.dir;
    await using repo = await engineRepo({
      agents: { work: WORK },
      // The daemon would idle out before its first look; an open pull request keeps it up.
      env: { PATH: pathWithoutGh(), FLUX_IDLE_TIMEOUT: "1s" },
      stagesYaml: `    - id: solo\n      command: "sh agents/work.sh"\n      merge: pr\n    - id: next\n      dependencies: [solo]\n      command: "sh agents/work.sh"\n`,
    });
    const remote = bareRemote(repo.dir, scratch);
    pollFast(repo, "3s");
    const run = await repo.ok(["run"], 4);
    expect(run.stdout).toContain("pushed to origin/flux/solo; no gh to open a pull request");
    expect(repo.git("ls-remote", remote, "refs/heads/flux/solo")).toContain("flux/solo");
    const doctor = await repo.run(["doctor"]);
    expect(doctor.stdout).toContain("not on PATH: for merge: pr stages Flux pushes the branch");

    const merge = mergeOnRemote(remote, scratch, "flux/solo", "merge");
    await stateIs(repo, "solo", "merged");
    expect(mergeCommit(repo, "solo")).toBe(merge);
    await stateIs(repo, "next", "merged");
    expect(repo.git("merge-base", "--is-ancestor", merge, "main")).toBe("");
  });

  it("refuses to run when the repository has no such remote", async () => {
    using temp = scratchDir();
    const scratch = temp.dir;
    const gh = ghStandin(scratch);
    await using repo = await engineRepo({
      agents: { work: WORK },
      env: gh.env,
      stagesYaml: `    - id: lonely\n      command: "sh agents/work.sh"\n      merge: pr\n`,
    });
    const refused = await repo.ok(["run"], 6);
    expect(refused.stderr).toContain("REMOTE_MISSING");
    expect(refused.stderr).toContain("this repository has no remote named origin");
    expect(refused.stderr).toContain("git remote add origin");
    expect(repo.state("lonely")).toBe("ready");
    expect(gh.calls()).toEqual([]);
  });

  it("stacks a dependent on a pull request's branch, and retargets it onto the base after a squash merge", async () => {
    using temp = scratchDir();
    const scratch = temp.dir;
    const gh = ghStandin(scratch);
    await using repo = await engineRepo({
      agents: { work: WORK },
      env: gh.env,
      stagesYaml: `    - id: api
      command: "sh agents/work.sh"
      merge: pr
    - id: ui
      dependencies: [api]
      stack: true
      command: "sh agents/work.sh"
      acceptance: ["test -f api.txt", "test -f ui.txt"]
`,
    });
    const remote = bareRemote(repo.dir, scratch);
    pollFast(repo);

    // api waits on its pull request; ui started on api's branch and passed there, and its
    // merge waits for api's.
    await repo.ok(["run"], 4);
    expect(reason(repo, "api")).toMatch(/^pull request #\d+ open/);
    expect(repo.state("ui")).toBe("completed");
    expect(reason(repo, "ui")).toContain("merges after api has merged");
    const apiTip = repo.git("rev-parse", "flux/api").trim();
    expect(repo.git("merge-base", "--is-ancestor", apiTip, "flux/ui")).toBe("");

    // A squash merge: api's own commit never reaches main; ui is moved onto the squash commit.
    const squash = mergeOnRemote(remote, scratch, "flux/api", "squash");
    gh.update(gh.pull("flux/api").number, { state: "MERGED", mergeCommit: { oid: squash } });
    await stateIs(repo, "api", "merged");
    await stateIs(repo, "ui", "merged");
    const main = repo.git("log", "--format=%H %s", "main").trim().split("\n");
    expect(main.map((l) => l.slice(41))).toEqual(
      expect.arrayContaining(["flux/api (squashed)", "work for ui"]),
    );
    expect(main.filter((l) => l.endsWith("work for api"))).toEqual([]);
    expect(repo.git("merge-base", "--is-ancestor", squash, "main")).toBe("");
    expect(repo.read("ui.txt").trim()).toBe("ui");
    expect(repo.read("api.txt").trim()).toBe("api");
  });
});
