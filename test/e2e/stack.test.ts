/**
 * Stacked stages (`stack: true`): the dependent starts from its dependency's unmerged branch,
 * is restacked when that branch moves (at once, or at its completion request while its session
 * runs), and is retargeted onto the base once the dependency merged; it never merges first.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { WORK } from "../kit/agents.ts";
import { AGENT_GIT_ENV, engineRepo } from "../kit/engine-repo.ts";
import type { EngineRepo } from "../kit/engine-repo.ts";

/** Appends "a try <n>" to a.txt (n counts this agent's sessions), commits, completes. */
const TRIES = `n=$(cat "$SCRATCH/tries" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$SCRATCH/tries"
echo "a try $n" >> a.txt
git add a.txt
git commit -q -m "a try $n"
"$FLUX_BIN" stage complete`;

const stackedOn = (repo: EngineRepo, stage: string) =>
  repo.db<{ stacked_on: string | null }>(
    "SELECT stacked_on FROM stages s JOIN plans p ON p.id = s.plan_id AND p.active = 1 WHERE s.id = ?",
    stage,
  )[0]?.stacked_on;
/** git in a directory of the repository, as the agent's identity. */
const gitIn = (repo: EngineRepo, dir: string, args: string[], env: Record<string, string> = {}) =>
  execFileSync("git", args, {
    cwd: path.join(repo.dir, dir),
    env: { ...process.env, ...AGENT_GIT_ENV, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
const tip = (repo: EngineRepo, branch: string) => repo.git("rev-parse", branch).trim();
const subjects = (repo: EngineRepo, ref: string) =>
  repo.git("log", "--format=%s", ref).trim().split("\n");
const triggers = (repo: EngineRepo, stage: string) =>
  repo
    .db<{ trigger: string }>(
      "SELECT trigger FROM acceptance_runs WHERE stage_id = ? ORDER BY id",
      stage,
    )
    .map((r) => r.trigger);

/** Stage `a` and stage `b` stacked on it, each with its own setting lines. */
const stacked = (a: string[], b: string[]): string =>
  [
    "    - id: a",
    ...a.map((line) => `      ${line}`),
    "    - id: b",
    "      dependencies: [a]",
    "      stack: true",
    ...b.map((line) => `      ${line}`),
    "",
  ].join("\n");
/** `a` waits at a human gate, so its branch stays unmerged until the test approves it. */
const GATED_A = ['command: "sh agents/tries.sh"', "verify: human"];
/** `a` waits for `flux merge a`. */
const MANUAL_A = ['command: "sh agents/work.sh"', "merge: manual"];

describe("stacked stages", () => {
  it("start on the dependency's branch, restack when it moves, merge after it, onto the base", async () => {
    await using repo = await engineRepo({
      agents: { tries: TRIES, work: WORK },
      stagesYaml: stacked(GATED_A, [
        'command: "sh agents/work.sh"',
        'acceptance: ["test -f a.txt", "test -f b.txt"]',
      ]),
    });
    // a waits at its gate; b started from flux/a before a merged, passed, and waits for a.
    const first = await repo.ok(["run"], 4);
    expect(repo.state("a")).toBe("awaiting_verification");
    expect(repo.state("b")).toBe("completed");
    expect(subjects(repo, "flux/b").slice(0, 2)).toEqual(["work for b", "a try 1"]);
    expect(stackedOn(repo, "b")).toBe(tip(repo, "flux/a"));
    expect(first.stdout).toMatch(/b\s+completed\s+stacked on a \([0-9a-f]{8}\): merges after a/);
    const status = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
      stages: { id: string; stackedOn: { id: string; commit: string } | null }[];
    };
    expect(status.stages.find((s) => s.id === "b")?.stackedOn).toEqual({
      id: "a",
      commit: tip(repo, "flux/a"),
    });

    // Rejected: a's new session commits again. b has no session: it is restacked at once.
    await repo.ok(["verify", "a", "--reject", "--reason", "once more"]);
    await repo.ok(["run"], 4);
    expect(repo.state("a")).toBe("awaiting_verification");
    expect(repo.state("b")).toBe("completed");
    expect(subjects(repo, "flux/b").slice(0, 3)).toEqual(["work for b", "a try 2", "a try 1"]);
    expect(stackedOn(repo, "b")).toBe(tip(repo, "flux/a"));
    expect(triggers(repo, "b")).toEqual(["request", "recheck"]);
    expect(repo.read(".worktrees/b/a.txt")).toBe("a try 1\na try 2\n");

    // a merges; b is retargeted onto main, checked again, and merges after it.
    await repo.ok(["verify", "a", "--yes"]);
    await repo.ok(["run"]);
    expect(repo.mergedOrder()).toEqual(["a", "b"]);
    expect(stackedOn(repo, "b")).toBeNull();
    const history = subjects(repo, "main");
    for (const subject of ["a try 1", "a try 2", "work for b"])
      expect(history.filter((s) => s === subject)).toHaveLength(1);
    expect(triggers(repo, "b")).toEqual(["request", "recheck", "recheck"]);
    expect(repo.read("b.txt")).toBe("b\n");
  });

  it("restacks after a human's commit on the dependency's branch, once it is checked", async () => {
    await using repo = await engineRepo({
      agents: { work: WORK },
      stagesYaml: stacked(MANUAL_A, [
        'command: "sh agents/work.sh"',
        'acceptance: ["test -f a.txt"]',
      ]),
    });
    await repo.ok(["run"], 4);
    expect(repo.state("a")).toBe("completed");
    expect(repo.state("b")).toBe("completed");
    fs.writeFileSync(path.join(repo.dir, ".worktrees", "a", "human.txt"), "by hand\n");
    gitIn(repo, ".worktrees/a", ["add", "human.txt"]);
    gitIn(repo, ".worktrees/a", ["commit", "-q", "-m", "a human's fix on a"]);
    // `flux merge a` checks a's moved branch first; a passing check restacks b at once.
    const merge = JSON.parse((await repo.ok(["merge", "a", "--json"])).stdout) as { kind: string };
    expect(merge.kind).toBe("rechecking");
    await repo.ok(["run"], 4);
    expect(repo.state("b")).toBe("completed");
    expect(stackedOn(repo, "b")).toBe(tip(repo, "flux/a"));
    expect(subjects(repo, "flux/b").slice(0, 3)).toEqual([
      "work for b",
      "a human's fix on a",
      "work for a",
    ]);
    expect(triggers(repo, "b")).toEqual(["request", "recheck"]);

    await repo.ok(["merge", "a"]);
    await repo.ok(["run"]);
    expect(repo.mergedOrder()).toEqual(["a", "b"]);
    const history = subjects(repo, "main");
    for (const subject of ["work for a", "a human's fix on a", "work for b"])
      expect(history.filter((s) => s === subject)).toHaveLength(1);
  });

  it("restacks a running stage at its completion request and tells its agent why", async () => {
    await using repo = await engineRepo({
      agents: {
        work: WORK,
        held: `echo started > "$SCRATCH/started-$FLUX_STAGE_ID"
read go < "$SCRATCH/go-$FLUX_STAGE_ID"
echo b > b.txt
git add b.txt
git commit -q -m "work for b"
"$FLUX_BIN" stage complete > "$SCRATCH/complete-b.txt" 2>&1`,
      },
      stagesYaml: stacked(MANUAL_A, [
        'command: "sh agents/held.sh"',
        'acceptance: ["test -f a.txt", "test -f human.txt"]',
      ]),
    });
    execFileSync("mkfifo", [path.join(repo.scratch, "started-b")]);
    repo.gate("b");
    const run = repo.spawn(["run"]);
    // b's agent is running on a's first commit.
    await fs.promises.readFile(path.join(repo.scratch, "started-b"), "utf8");
    const before = stackedOn(repo, "b");
    expect(before).toBe(tip(repo, "flux/a"));

    // A human commits to a's branch while b's session runs: nothing happens to b yet.
    const aTree = path.join(repo.dir, ".worktrees", "a");
    fs.writeFileSync(path.join(aTree, "human.txt"), "by hand\n");
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: aTree, env: { ...process.env, ...AGENT_GIT_ENV } });
    git("add", "human.txt");
    git("commit", "-q", "-m", "a human's fix on a");
    expect(stackedOn(repo, "b")).toBe(before);

    await repo.open("b");
    expect(await run.exit).toBe(4);
    const told = fs.readFileSync(path.join(repo.scratch, "complete-b.txt"), "utf8");
    expect(told).toContain("Flux rebased this stage's commits before checking them");
    expect(told).toContain("a's branch moved");
    expect(told).toContain("b passed its acceptance");
    expect(repo.state("b")).toBe("completed");
    expect(stackedOn(repo, "b")).toBe(tip(repo, "flux/a"));
    expect(subjects(repo, "flux/b").slice(0, 3)).toEqual([
      "work for b",
      "a human's fix on a",
      "work for a",
    ]);
    expect(triggers(repo, "b")).toEqual(["request"]);
  });

  it("blocks a restack that conflicts, naming the files and what to do", async () => {
    await using repo = await engineRepo({
      agents: {
        tries: TRIES,
        // b rewrites the line a's next try adds beside.
        clash: `echo "b was here" > a.txt
git add a.txt
git commit -q -m "b rewrites a.txt"
"$FLUX_BIN" stage complete`,
      },
      stagesYaml: stacked(GATED_A, ['command: "sh agents/clash.sh"']),
    });
    await repo.ok(["run"], 4);
    expect(repo.state("b")).toBe("completed");
    const onto = stackedOn(repo, "b");
    await repo.ok(["verify", "a", "--reject", "--reason", "once more"]);
    const second = await repo.ok(["run"], 4);
    expect(repo.state("b")).toBe("blocked");
    expect(second.stdout).toContain("restacking onto a conflicts in a.txt");
    const reason =
      repo.db<{ reason: string }>("SELECT reason FROM stages WHERE id = 'b'")[0]?.reason ?? "";
    expect(reason).toContain("git rebase --onto");
    expect(reason).toContain("flux merge b");
    // Nothing changed on b's branch: the rebase was aborted.
    expect(stackedOn(repo, "b")).toBe(onto);
    expect(subjects(repo, "flux/b")[0]).toBe("b rewrites a.txt");
    expect(fs.existsSync(path.join(repo.dir, ".worktrees", "b", ".git"))).toBe(true);
    expect(repo.git("-C", ".worktrees/b", "status", "--porcelain").trim()).toBe("");
  });

  it("refuses a completion whose restack conflicts, telling the agent what to run", async () => {
    await using repo = await engineRepo({
      agents: {
        work: WORK,
        held: `echo started > "$SCRATCH/started-$FLUX_STAGE_ID"
read go < "$SCRATCH/go-$FLUX_STAGE_ID"
echo "b was here" > a.txt
git add a.txt
git commit -q -m "b rewrites a.txt"
"$FLUX_BIN" stage complete > "$SCRATCH/complete-b.txt" 2>&1 || true`,
      },
      stagesYaml: stacked(MANUAL_A, ['command: "sh agents/held.sh"']),
    });
    execFileSync("mkfifo", [path.join(repo.scratch, "started-b")]);
    repo.gate("b");
    const run = repo.spawn(["run"]);
    await fs.promises.readFile(path.join(repo.scratch, "started-b"), "utf8");
    fs.writeFileSync(path.join(repo.dir, ".worktrees", "a", "a.txt"), "a, fixed by hand\n");
    gitIn(repo, ".worktrees/a", ["commit", "-q", "-am", "a human's fix on a"]);
    await repo.open("b");
    expect(await run.exit).toBe(4);
    const told = fs.readFileSync(path.join(repo.scratch, "complete-b.txt"), "utf8");
    expect(told).toContain("STACK_CONFLICT");
    expect(told).toContain("conflicts in a.txt");
    expect(told).toContain("git rebase --onto");
    // Its session ended without completing; nothing was rebased, and the stage waits for a human.
    expect(subjects(repo, "flux/b")[0]).toBe("b rewrites a.txt");
    expect(repo.state("b")).toBe("blocked");
    expect(
      repo.db<{ reason: string }>("SELECT reason FROM stages WHERE id = 'b'")[0]?.reason,
    ).toContain("restacking onto a conflicts in a.txt");
    expect(repo.git("-C", ".worktrees/b", "status", "--porcelain").trim()).toBe("");
  });

  it("redoes a restack a stopped daemon left half done", async () => {
    await using repo = await engineRepo({
      agents: { tries: TRIES, work: WORK },
      stagesYaml: stacked(GATED_A, ['command: "sh agents/work.sh"']),
    });
    await repo.ok(["run"], 4);
    const old = stackedOn(repo, "b") ?? "";
    const head = tip(repo, "flux/b");
    await repo.ok(["daemon", "stop"]);
    // a's branch moved, and the daemon was killed in the middle of rebasing b onto it.
    fs.writeFileSync(path.join(repo.dir, ".worktrees", "a", "human.txt"), "by hand\n");
    gitIn(repo, ".worktrees/a", ["add", "human.txt"]);
    gitIn(repo, ".worktrees/a", ["commit", "-q", "-m", "a human's fix on a"]);
    const moved = tip(repo, "flux/a");
    gitIn(repo, ".worktrees/b", ["rebase", "-i", "--onto", moved, old], {
      GIT_SEQUENCE_EDITOR: "sed -i -e 1s/^pick/edit/",
    });
    const rebaseDir = gitIn(repo, ".worktrees/b", ["rev-parse", "--git-path", "rebase-merge"]);
    const inProgress = () =>
      fs.existsSync(path.resolve(repo.dir, ".worktrees/b", rebaseDir.trim()));
    expect(inProgress()).toBe(true);
    const db = new Database(path.join(repo.dir, ".work", "flux.db"));
    db.prepare("UPDATE stages SET restacking = ? WHERE id = 'b'").run(moved);
    db.close();

    await repo.ok(["run"], 4);
    expect(inProgress()).toBe(false);
    expect(repo.state("b")).toBe("completed");
    expect(tip(repo, "flux/b")).not.toBe(head);
    expect(subjects(repo, "flux/b").slice(0, 3)).toEqual([
      "work for b",
      "a human's fix on a",
      "a try 1",
    ]);
    expect(stackedOn(repo, "b")).toBe(moved);
    expect(
      repo.db<{ restacking: string | null }>("SELECT restacking FROM stages WHERE id = 'b'")[0]
        ?.restacking,
    ).toBeNull();
    expect(triggers(repo, "b")).toEqual(["request", "recheck"]);
  });
});
