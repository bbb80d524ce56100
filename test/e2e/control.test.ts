/** Driving a run: manual sessions, Ctrl-C, concurrent runs, attaching, scope and limits. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { WORK, GATED } from "../kit/agents.ts";
import { engineRepo } from "../kit/engine-repo.ts";
import { tmuxSocketFile, waitFor } from "../kit/tmux.ts";
import { FLUX_BIN, testEnv } from "../kit/cli.ts";

describe("controlling a run", () => {
  it("--manual prints the command for each session; running it by hand is tracked", async () => {
    await using repo = await engineRepo({
      agents: { work: WORK },
      stagesYaml: `    - id: by-hand\n      command: "sh agents/work.sh"\n`,
    });
    const run = repo.spawn(["run", "--manual"]);
    const out = await run.waitFor(/Start by-hand by hand:\n {2}(.+)\n/);
    const command = /Start by-hand by hand:\n {2}(.+)\n/.exec(out)?.[1] ?? "";
    expect(command).toMatch(/^cd .*\.worktrees\/by-hand && FLUX_WORK_DIR=.* runner ses_/);
    execFileSync("sh", ["-c", command], {
      env: { ...process.env, ...repo.env },
      stdio: "ignore",
    });
    expect(await run.exit).toBe(0);
    expect(repo.state("by-hand")).toBe("merged");
    expect(
      repo.db<{ backend: string; status: string }>("SELECT backend, status FROM sessions"),
    ).toEqual([{ backend: "manual", status: "exited" }]);
  });

  it("stops following on Ctrl-C without stopping the work; a later run picks up", async () => {
    await using repo = await engineRepo({
      agents: { gated: GATED },
      stagesYaml: `    - id: long\n      command: "sh agents/gated.sh"\n`,
    });
    repo.gate("long");
    const first = repo.spawn(["run"]);
    await first.waitFor(/long\s+ready → running/);
    first.child.kill("SIGINT");
    expect(await first.exit).toBe(130);
    expect(first.stdout()).toContain("Stopped following; the work goes on.");
    expect(repo.state("long")).toBe("running");
    const second = repo.spawn(["run"]);
    await repo.open("long");
    expect(await second.exit).toBe(0);
    expect(repo.sessions("long")).toHaveLength(1);
  });

  it("starts a stage added by `flux init` during a run at once (the CLI wakes the daemon)", async () => {
    await using repo = await engineRepo({
      agents: { gated: GATED, work: WORK },
      stagesYaml: `    - id: long\n      command: "sh agents/gated.sh"\n`,
    });
    repo.gate("long");
    const run = repo.spawn(["run"]);
    await run.waitFor(/long\s+ready → running/);
    repo.write(
      "doc/plans/PLAN-e2e.md",
      repo
        .read("doc/plans/PLAN-e2e.md")
        .replace("```\n", `    - id: extra\n      command: "sh agents/work.sh"\n\`\`\`\n`),
    );
    await repo.ok(["init", "doc/plans/PLAN-e2e.md"]);
    await run.waitFor(/extra\s+completed → merged/);
    await repo.open("long");
    expect(await run.exit).toBe(0);
  });

  it("two runs at once never start a stage twice", async () => {
    await using repo = await engineRepo({
      agents: { work: WORK },
      stagesYaml: `    - id: a\n      command: "sh agents/work.sh"\n    - id: b\n      command: "sh agents/work.sh"\n    - id: c\n      dependencies: [a, b]\n      command: "sh agents/work.sh"\n`,
    });
    const [one, two] = await Promise.all([repo.run(["run"]), repo.run(["run"])]);
    expect([one.code, two.code]).toEqual([0, 0]);
    for (const stage of ["a", "b", "c"]) expect(repo.sessions(stage), stage).toHaveLength(1);
  });

  it("lists attachable sessions, and the pane shows the runner's rendering", async () => {
    await using repo = await engineRepo({
      agents: { gated: GATED },
      stagesYaml: `    - id: watched\n      command: "sh agents/gated.sh"\n`,
    });
    repo.gate("watched");
    const run = repo.spawn(["run"]);
    await run.waitFor(/watched\s+ready → running/);
    const list = await repo.ok(["attach", "list"]);
    expect(list.stdout).toMatch(/ses_\w+\s+watched\s+(starting|running)/);
    const data = JSON.parse((await repo.ok(["attach", "list", "--json"])).stdout) as {
      stage: string;
    }[];
    expect(data.map((d) => d.stage)).toEqual(["watched"]);
    // The agent's first line comes through the runner into the pane (tmux has no event for it).
    const pane = await waitFor(
      () => {
        const text = repo.tmux("capture-pane", "-p", "-t", "=flux-watched:");
        return text.includes("waiting for the test") ? text : undefined;
      },
      { timeoutMs: 15_000, what: "the agent's output in the pane" },
    );
    expect(pane).toMatch(/\[flux\] session ses_\w+ · stage watched/);
    expect(pane).toContain("waiting for the test");
    // `flux attach` from a terminal: an outer tmux pane plays the user's terminal.
    const outer = `outer-${process.pid}`;
    execFileSync(
      "tmux",
      [
        "-L",
        outer,
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-x",
        "160",
        "-y",
        "40",
        "--",
        process.execPath,
        FLUX_BIN,
        "attach",
        "watched",
      ],
      {
        cwd: repo.dir,
        env: testEnv(repo.env),
      },
    );
    try {
      await waitFor(
        () =>
          execFileSync("tmux", ["-L", outer, "capture-pane", "-p"], { encoding: "utf8" }).includes(
            "waiting for the test",
          ) || undefined,
        {
          timeoutMs: 15_000,
          what: "the attached session in the outer terminal",
        },
      );
    } finally {
      execFileSync("tmux", ["-L", outer, "kill-server"]);
      fs.rmSync(tmuxSocketFile(outer), { force: true });
    }
    await repo.open("watched");
    expect(await run.exit).toBe(0);
    const gone = await repo.ok(["attach", "watched"], 5);
    expect(gone.stderr).toContain('no live session for "watched"');
  });

  it("gives sessions the environment of the latest `flux run`, and says so", async () => {
    await using repo = await engineRepo({
      agents: {
        gated: GATED,
        env: `echo "$GREETING" > "$SCRATCH/greeting-$FLUX_STAGE_ID"\n${WORK}`,
      },
      stagesYaml: `    - id: first\n      command: "sh agents/gated.sh"\n    - id: second\n      dependencies: [first]\n      command: "sh agents/env.sh"\n`,
    });
    repo.gate("first");
    const one = repo.spawn(["run"], { GREETING: "hello" });
    await one.waitFor(/first\s+ready → running/);
    one.child.kill("SIGINT");
    await one.exit;
    const two = repo.spawn(["run"], { GREETING: "bonjour" });
    await two.waitFor("This environment applies to sessions started from now on");
    await repo.open("first");
    expect(await two.exit).toBe(0);
    expect(fs.readFileSync(path.join(repo.scratch, "greeting-second"), "utf8")).toBe("bonjour\n");
  });

  it("--stage refuses unmet dependencies unless --with-deps", async () => {
    await using repo = await engineRepo({
      agents: { work: WORK },
      stagesYaml: `    - id: base-a\n      command: "sh agents/work.sh"\n    - id: top\n      dependencies: [base-a]\n      command: "sh agents/work.sh"\n    - id: other\n      command: "sh agents/work.sh"\n`,
    });
    const refused = await repo.ok(["run", "--stage", "top"], 4);
    expect(refused.stderr).toContain("error[STAGE_DEPS_UNMET]: top waits on base-a");
    expect(refused.stderr).toContain("--with-deps");
    const scoped = await repo.ok(["run", "--stage", "top", "--with-deps"]);
    expect(repo.mergedOrder()).toEqual(["base-a", "top"]);
    expect(repo.state("other")).toBe("ready");
    // A scoped run says what it finished, not that the whole plan is done.
    expect(scoped.stdout).toContain("Done: base-a, top are merged, skipped or cancelled");
    expect(scoped.stdout).toContain("`flux run` runs it");
    expect(scoped.stdout).not.toContain("every stage");
  });

  it("respects group limits and --max-parallel", async () => {
    const record = `echo "start $FLUX_STAGE_ID $(date +%s%N)" >> "$SCRATCH/log"
sleep 0.3
echo "end $FLUX_STAGE_ID $(date +%s%N)" >> "$SCRATCH/log"
${WORK}`;
    await using repo = await engineRepo({
      agents: { record },
      stagesYaml: `    - id: g1\n      parallel_group: narrow\n      command: "sh agents/record.sh"\n    - id: g2\n      parallel_group: narrow\n      command: "sh agents/record.sh"\n    - id: g3\n      parallel_group: narrow\n      command: "sh agents/record.sh"\n`,
    });
    const plan = repo
      .read("doc/plans/PLAN-e2e.md")
      .replace("  stages:", "  groups:\n    narrow:\n      max_parallel: 1\n  stages:");
    repo.write("doc/plans/PLAN-e2e.md", plan);
    await repo.ok(["init", "doc/plans/PLAN-e2e.md"]);
    await repo.ok(["run", "--max-parallel", "3"]);
    const events = fs.readFileSync(path.join(repo.scratch, "log"), "utf8").trim().split("\n");
    let running = 0;
    let peak = 0;
    for (const line of events) {
      running += line.startsWith("start") ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBe(1);
    expect(events).toHaveLength(6);
  });

  it("--max-parallel caps the sessions at once", async () => {
    const record = `echo "start $FLUX_STAGE_ID" >> "$SCRATCH/log"
sleep 0.3
echo "end $FLUX_STAGE_ID" >> "$SCRATCH/log"
${WORK}`;
    await using repo = await engineRepo({
      agents: { record },
      stagesYaml: `    - id: p1\n      command: "sh agents/record.sh"\n    - id: p2\n      command: "sh agents/record.sh"\n    - id: p3\n      command: "sh agents/record.sh"\n`,
    });
    await repo.ok(["run", "--max-parallel", "1"]);
    const lines = fs.readFileSync(path.join(repo.scratch, "log"), "utf8").trim().split("\n");
    // One at a time: every start is followed by its own end.
    for (let i = 0; i < lines.length; i += 2)
      expect(lines[i + 1]).toBe(lines[i]?.replace("start", "end"));
    expect(lines).toHaveLength(6);
    const bad = await repo.ok(["run", "--max-parallel", "0"], 2);
    expect(bad.stderr).toContain("--max-parallel must be a whole number above 0");
  });

  it("restarts a session that outlives the stage's timeout", async () => {
    await using repo = await engineRepo({
      agents: {
        slow: `if [ ! -f "$SCRATCH/slept" ]; then touch "$SCRATCH/slept"; sleep 60; fi\n${WORK}`,
      },
      // Long enough for the second session to finish on a loaded machine.
      stagesYaml: `    - id: slow\n      command: "sh agents/slow.sh"\n      timeout: 6s\n`,
    });
    const run = await repo.ok(["run"]);
    expect(run.stdout).toMatch(
      /slow\s+running → ready\s+the session ran past the stage's timeout \(6s\) and was stopped/,
    );
    expect(repo.sessions("slow").map((s) => s.status)).toEqual(["killed", "exited"]);
    expect(repo.state("slow")).toBe("merged");
  });

  it("runs setup once in each new worktree before the agent starts", async () => {
    await using repo = await engineRepo({
      agents: { check: `test "$(cat setup.out)" = "set up"\n${WORK}` },
      stagesYaml: `    - id: prepared\n      command: "sh agents/check.sh"\n      setup: ["echo 'set up' > setup.out", "echo once >> \\"$SCRATCH/setup-count\\""]\n`,
    });
    repo.write(".gitignore", "setup.out\n");
    repo.git("add", ".gitignore");
    repo.git("commit", "-q", "-m", "ignore setup output");
    await repo.ok(["run"]);
    expect(repo.state("prepared")).toBe("merged");
    expect(fs.readFileSync(path.join(repo.scratch, "setup-count"), "utf8")).toBe("once\n");
  });

  it("blocks a stage whose setup fails, with the output", async () => {
    await using repo = await engineRepo({
      agents: { work: WORK },
      stagesYaml: `    - id: broken\n      command: "sh agents/work.sh"\n      setup: ["echo missing-tool; exit 4"]\n`,
    });
    const run = await repo.ok(["run"], 4);
    expect(run.stdout).toMatch(/broken\s+blocked\s+setup failed/);
    expect(repo.sessions("broken")).toHaveLength(0);
  });

  it("refuses interactive Claude on the process backend: its TUI needs a terminal", async () => {
    await using repo = await engineRepo({
      stagesYaml: `    - id: tui\n      agent: claude\n`,
      env: { FLUX_SESSION_BACKEND: "process" },
    });
    const run = await repo.ok(["run"], 4);
    expect(run.stdout).toMatch(
      /tui\s+blocked\s+tui: interactive claude runs its TUI in a terminal, and the process backend has none \(install tmux/,
    );
    expect(repo.sessions("tui")).toHaveLength(0);
  });

  it("uses the signal template from the configured prompt_dir", async () => {
    await using repo = await engineRepo({
      agents: { work: `grep -q "CUSTOM for $FLUX_STAGE_ID" "$1"\n${WORK}` },
      stagesYaml: `    - id: templated\n      command: "sh agents/work.sh {signal}"\n`,
    });
    repo.write("prompts/signal.md", "CUSTOM for {{stage_id}}: finish with {{complete_command}}\n");
    repo.write(
      ".work/config.toml",
      repo
        .read(".work/config.toml")
        .replace("# [sessions]", "[sessions]")
        .replace('# prompt_dir = ".flux/prompts"', `prompt_dir = "prompts"`),
    );
    await repo.ok(["run"]);
    expect(repo.state("templated")).toBe("merged");
  });
});
