/** `flux run` end to end with real git, real tmux and `command` agents. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { WORK } from "../kit/agents.ts";
import { engineRepo } from "../kit/engine-repo.ts";

describe("flux run", () => {
  it("runs a diamond: d starts on a base that has b's and c's work, all merged in order", async () => {
    await using repo = await engineRepo({
      agents: {
        work: WORK,
        // d proves its dependencies' work is on the base it started from.
        join: `test -f b.txt && test -f c.txt\n${WORK}`,
      },
      stagesYaml: `    - id: a
      command: "sh agents/work.sh"
    - id: b
      dependencies: [a]
      command: "sh agents/work.sh"
    - id: c
      dependencies: [a]
      command: "sh agents/work.sh"
    - id: d
      dependencies: [b, c]
      command: "sh agents/join.sh"
      acceptance: ["test -f a.txt && test -f b.txt && test -f c.txt && test -f d.txt"]
`,
    });
    const result = await repo.ok(["run"]);
    expect(result.stdout).toContain("Done: every stage is merged, skipped or cancelled.");
    const order = repo.mergedOrder();
    expect(order[0]).toBe("a");
    expect(order.slice(1, 3).sort()).toEqual(["b", "c"]);
    expect(order[3]).toBe("d");
    for (const f of ["a.txt", "b.txt", "c.txt", "d.txt"])
      expect(fs.existsSync(path.join(repo.dir, f)), f).toBe(true);
    // Merge commits with two parents on main, one per stage; the worktrees are gone.
    expect(repo.git("log", "--merges", "--format=%s", "main").trim().split("\n")).toHaveLength(4);
    expect(fs.readdirSync(path.join(repo.dir, ".worktrees"))).toEqual([]);
    expect(repo.git("status", "--porcelain")).toBe("?? doc/\n");
    // d's signal names its dependencies' merged work; the runner logged every session as NDJSON.
    const [dSession] = repo.sessions("d");
    const signal = repo.read(`.work/signals/${dSession?.id}.md`);
    expect(signal).toMatch(/`b`[\s\S]*merged as `[0-9a-f]+`[\s\S]*work for b/);
    expect(signal).toContain('"$FLUX_BIN" stage complete');
    const log = repo
      .read(`.work/logs/${dSession?.id}.ndjson`)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { t: string; type: string });
    expect(log[0]?.type).toBe("start");
    expect(log.at(-1)?.type).toBe("exit");
    expect(log.every((e) => !Number.isNaN(Date.parse(e.t)))).toBe(true);
    const status = await repo.ok(["status"]);
    expect(status.stdout).toMatch(/ses_\w+\s+d\s+exited\s+command/);
  });

  it("runs the test the agent wrote: the first completion fails, the fix passes", async () => {
    await using repo = await engineRepo({
      agents: {
        tdd: `printf 'grep -q ok impl.txt\\n' > check.sh
echo bug > impl.txt
git add -A && git commit -q -m "test and a first try"
if "$FLUX_BIN" stage complete > "$SCRATCH/first.txt" 2>&1; then exit 0; fi
echo ok > impl.txt
git commit -q -am "fix"
"$FLUX_BIN" stage complete`,
      },
      stagesYaml: `    - id: tdd
      command: "sh agents/tdd.sh"
      acceptance: ["sh check.sh"]
`,
    });
    await repo.ok(["run"]);
    expect(repo.state("tdd")).toBe("merged");
    const first = fs.readFileSync(path.join(repo.scratch, "first.txt"), "utf8");
    expect(first).toContain("did not pass its acceptance");
    expect(first).toContain("sh check.sh");
    const runs = repo.db<{ passed: number; trigger: string }>(
      "SELECT passed, trigger FROM acceptance_runs ORDER BY id",
    );
    expect(runs).toEqual([
      { passed: 0, trigger: "request" },
      { passed: 1, trigger: "request" },
    ]);
    expect(
      repo.db<{ fix_attempts: number }>("SELECT fix_attempts FROM stages WHERE id = 'tdd'")[0]
        ?.fix_attempts,
    ).toBe(1);
    expect(repo.sessions("tdd")).toHaveLength(1);
  });

  it("gives the failure to a new session when the one that asked has ended", async () => {
    await using repo = await engineRepo({
      agents: {
        fixer: `if [ ! -f "$SCRATCH/asked" ]; then
  echo broken > fix.txt && git add fix.txt && git commit -q -m broken
  touch "$SCRATCH/asked"
  setsid "$FLUX_BIN" stage complete > /dev/null 2>&1 < /dev/null &
  read go < "$SCRATCH/go-leave"
  exit 0
fi
cp "$1" "$SCRATCH/fix-signal.md"
echo fixed > fix.txt && git commit -q -am fixed
"$FLUX_BIN" stage complete`,
      },
      stagesYaml: `    - id: fixer\n      command: "sh agents/fixer.sh {prompt_file}"\n      acceptance: ["read go < \\"$SCRATCH/go-accept\\"; grep -q fixed fix.txt"]\n`,
    });
    repo.gate("leave");
    repo.gate("accept");
    const run = repo.spawn(["run"]);
    await run.waitFor(/fixer\s+running → checking/);
    await repo.open("leave");
    await run.waitFor(/session ses_\w+ ended \(exit 0\)/);
    await repo.open("accept");
    await run.waitFor(/fixer\s+running → ready\s+a new session fixes/);
    await repo.open("accept");
    expect(await run.exit).toBe(0);
    expect(repo.sessions("fixer").map((s) => s.purpose)).toEqual(["start", "fix"]);
    const signal = fs.readFileSync(path.join(repo.scratch, "fix-signal.md"), "utf8");
    expect(signal).toContain("grep -q fixed fix.txt");
    expect(signal).toMatch(/exit 1, expected 0/);
  });

  it("blocks the stage after max_fix_attempts failed acceptance runs", async () => {
    await using repo = await engineRepo({
      agents: {
        stubborn: `echo never > never.txt
git add never.txt && git commit -q -m never
for i in 1 2 3; do "$FLUX_BIN" stage complete || true; done`,
      },
      stagesYaml: `    - id: stubborn\n      command: "sh agents/stubborn.sh"\n      max_fix_attempts: 2\n      acceptance: ["test -f always.txt"]\n`,
    });
    const run = await repo.ok(["run"], 4);
    expect(run.stdout).toMatch(
      /stubborn\s+blocked\s+acceptance failed 2 times; last: `test -f always.txt`: exit 1, expected 0/,
    );
    expect(repo.db("SELECT count(*) AS n FROM acceptance_runs")).toEqual([{ n: 2 }]);
  });

  it("merges exactly the commit that passed; a branch that moved since is checked again", async () => {
    await using repo = await engineRepo({
      agents: {
        work: `${WORK}\necho more >> "$FLUX_STAGE_ID.txt"\ngit commit -q -am "after the check"`,
      },
      stagesYaml: `    - id: moving\n      command: "sh agents/work.sh"\n      merge: manual\n      acceptance: ["grep -q moving moving.txt"]\n`,
    });
    await repo.ok(["run"], 4);
    const recheck = await repo.ok(["merge", "moving"]);
    expect(recheck.stdout).toMatch(
      /The branch moved: moving's acceptance runs again on [0-9a-f]{8}, then it merges\./,
    );
    await repo.ok(["run"], 4);
    await repo.ok(["merge", "moving"]);
    expect(repo.state("moving")).toBe("merged");
    expect(repo.read("moving.txt")).toBe("moving\nmore\n");
    expect(
      repo
        .db<{ trigger: string }>("SELECT trigger FROM acceptance_runs ORDER BY id")
        .map((r) => r.trigger),
    ).toEqual(["request", "recheck"]);
  });

  it("refuses a completion with uncommitted changes", async () => {
    await using repo = await engineRepo({
      agents: {
        dirty: `echo x > x.txt
if "$FLUX_BIN" stage complete > "$SCRATCH/refused.txt" 2>&1; then exit 9; fi
git add x.txt && git commit -q -m x
"$FLUX_BIN" stage complete`,
      },
      stagesYaml: `    - id: dirty\n      command: "sh agents/dirty.sh"\n`,
    });
    await repo.ok(["run"]);
    expect(fs.readFileSync(path.join(repo.scratch, "refused.txt"), "utf8")).toMatch(
      /COMMIT_FIRST.*x\.txt[\s\S]*commit first/,
    );
    expect(repo.state("dirty")).toBe("merged");
  });

  it("restarts a crashed agent with a recovery signal, which then completes", async () => {
    await using repo = await engineRepo({
      agents: {
        crash: `if [ ! -f "$SCRATCH/crashed" ]; then echo "half done" > half.txt; git add half.txt; git commit -q -m half; touch "$SCRATCH/crashed"; echo "boom"; exit 3; fi
cp "$1" "$SCRATCH/second-signal.md"
${WORK}`,
      },
      stagesYaml: `    - id: crashy
      command: "sh agents/crash.sh {signal}"
`,
    });
    const result = await repo.ok(["run"]);
    expect(result.stdout).toMatch(/crashy\s+running → ready\s+the agent exited with code 3/);
    expect(repo.state("crashy")).toBe("merged");
    const sessions = repo.sessions("crashy");
    expect(sessions.map((s) => s.purpose)).toEqual(["start", "retry"]);
    const signal = fs.readFileSync(path.join(repo.scratch, "second-signal.md"), "utf8");
    expect(signal).toMatch(/recover/i);
    expect(signal).toContain("half");
    expect(signal).toContain("boom");
    expect(
      repo.db<{ retries: number }>("SELECT retries FROM stages WHERE id = 'crashy'")[0]?.retries,
    ).toBe(1);
  });

  it("fails a stage that keeps crashing once its retries are used up", async () => {
    await using repo = await engineRepo({
      agents: { crash: "echo always; exit 1" },
      stagesYaml: `    - id: doomed\n      command: "sh agents/crash.sh"\n      max_retries: 1\n`,
    });
    const result = await repo.ok(["run"], 4);
    expect(result.stdout).toContain("Nothing more can move without you:");
    expect(result.stdout).toMatch(
      /doomed\s+failed\s+the agent exited with code 1 without completing; retries exhausted \(1\)/,
    );
    expect(repo.sessions("doomed")).toHaveLength(2);
  });

  it("completes an agent that exits without asking when its acceptance passes", async () => {
    await using repo = await engineRepo({
      agents: { quiet: `echo done > quiet.txt\ngit add quiet.txt\ngit commit -q -m quiet\nexit 0` },
      stagesYaml: `    - id: quiet\n      command: "sh agents/quiet.sh"\n      acceptance: ["test -f quiet.txt"]\n`,
    });
    const result = await repo.ok(["run"]);
    expect(result.stdout).toMatch(/quiet\s+running → checking\s+the agent exited without asking/);
    expect(repo.state("quiet")).toBe("merged");
    expect(repo.db<{ trigger: string }>("SELECT trigger FROM acceptance_runs")).toEqual([
      { trigger: "exit" },
    ]);
  });

  it("runs sessions as detached processes without tmux", async () => {
    await using repo = await engineRepo({
      agents: { work: WORK },
      stagesYaml: `    - id: a\n      command: "sh agents/work.sh"\n    - id: b\n      dependencies: [a]\n      command: "sh agents/work.sh"\n`,
      env: { FLUX_SESSION_BACKEND: "process" },
    });
    await repo.ok(["run", "--foreground"]);
    expect(repo.mergedOrder()).toEqual(["a", "b"]);
    expect(repo.db<{ backend: string }>("SELECT DISTINCT backend FROM sessions")).toEqual([
      { backend: "process" },
    ]);
  });
});
