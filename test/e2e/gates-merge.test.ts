/** Human gates and the merge modes, with the user's own checkout in the way. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GATED, WORK } from "../kit/agents.ts";
import { engineRepo } from "../kit/engine-repo.ts";

describe("human gates", () => {
  it("waits at the gate until approved, then merges and starts the dependent", async () => {
    await using repo = await engineRepo({
      agents: { work: WORK },
      stagesYaml: `    - id: gated\n      command: "sh agents/work.sh"\n      verify: human\n    - id: after\n      dependencies: [gated]\n      command: "sh agents/work.sh"\n`,
    });
    const first = await repo.ok(["run"], 4);
    expect(first.stdout).toMatch(/gated\s+awaiting_verification\s+waiting for `flux verify gated`/);
    const refused = await repo.ok(["verify", "gated", "--yes"], 4, { FLUX_SESSION_ID: "ses_x" });
    expect(refused.stderr).toContain("REFUSED_IN_SESSION");
    const verify = await repo.ok(["verify", "gated", "--yes"]);
    expect(verify.stdout).toContain("acceptance passed");
    expect(verify.stdout).toContain("work for gated");
    expect(verify.stdout).toContain("gated.txt (+1 −0)");
    expect(verify.stdout).toContain("Approved: gated is verified.");
    expect(verify.stdout).toContain(
      "Triggered 1 dependent stage: after (they start once gated has merged).",
    );
    await repo.ok(["run"]);
    expect(repo.mergedOrder()).toEqual(["gated", "after"]);
  });

  it("sends a rejection's reason to a new session", async () => {
    await using repo = await engineRepo({
      agents: {
        gated: `cp "$1" "$SCRATCH/signal-$(ls "$SCRATCH" | wc -l).md"
echo "try $(date +%s%N)" >> gated.txt
git add gated.txt
git commit -q -m "attempt"
"$FLUX_BIN" stage complete`,
      },
      stagesYaml: `    - id: gated\n      command: "sh agents/gated.sh {signal}"\n      verify: human\n`,
    });
    await repo.ok(["run"], 4);
    const noReason = await repo.ok(["verify", "gated", "--reject"], 2);
    expect(noReason.stderr).toContain("--reject needs --reason");
    await repo.ok(["verify", "gated", "--reject", "--reason", "the greeting must say hello"]);
    await repo.ok(["run"], 4);
    expect(repo.sessions("gated").map((s) => s.purpose)).toEqual(["start", "rejected"]);
    const second = fs.readFileSync(path.join(repo.scratch, "signal-1.md"), "utf8");
    expect(second).toContain("the greeting must say hello");
    const approved = JSON.parse((await repo.ok(["verify", "gated", "--yes", "--json"])).stdout) as {
      decision: string;
      state: string;
      evidence: { passed: boolean; commits: unknown[] };
    };
    expect(approved).toMatchObject({
      decision: "approve",
      state: "verified",
      evidence: { passed: true },
    });
    expect(approved.evidence.commits).toHaveLength(2);
    await repo.ok(["run"]);
    expect(repo.state("gated")).toBe("merged");
  });
});

describe("merge modes", () => {
  it("merge: manual waits for `flux merge`", async () => {
    await using repo = await engineRepo({
      agents: { work: WORK },
      stagesYaml: `    - id: held\n      command: "sh agents/work.sh"\n      merge: manual\n`,
    });
    const run = await repo.ok(["run"], 4);
    expect(run.stdout).toMatch(/held\s+completed\s+merge: manual — waiting for `flux merge held`/);
    expect(repo.git("log", "--format=%s", "-1", "main").trim()).toBe("fixtures");
    const merged = JSON.parse((await repo.ok(["merge", "held", "--json"])).stdout) as {
      kind: string;
      mergeCommit: string;
    };
    expect(merged.kind).toBe("merged");
    expect(repo.git("rev-parse", "main").trim()).toBe(merged.mergeCommit);
    expect(repo.state("held")).toBe("merged");
    expect(fs.existsSync(path.join(repo.dir, "held.txt"))).toBe(true);
  });

  it("merge: direct fast-forwards, and rebases then re-checks when it cannot", async () => {
    await using repo = await engineRepo({
      agents: { work: WORK },
      stagesYaml: `    - id: one\n      command: "sh agents/work.sh"\n      merge: direct\n    - id: two\n      command: "sh agents/work.sh"\n      merge: direct\n      acceptance: ["test -f two.txt"]\n`,
    });
    await repo.ok(["run"]);
    expect(repo.mergedOrder().sort()).toEqual(["one", "two"]);
    // Linear history: no merge commits, both stages' commits on main.
    expect(repo.git("log", "--merges", "--format=%s", "main").trim()).toBe("");
    const subjects = repo.git("log", "--format=%s", "main").trim().split("\n");
    expect(subjects.slice(0, 2).sort()).toEqual(["work for one", "work for two"]);
    const triggers = repo
      .db<{ trigger: string }>("SELECT trigger FROM acceptance_runs ORDER BY id")
      .map((r) => r.trigger);
    expect(triggers.filter((t) => t === "recheck")).toHaveLength(1);
  });

  it("merges into the checked-out base around the user's unrelated uncommitted files", async () => {
    await using repo = await engineRepo({
      agents: { work: WORK },
      stagesYaml: `    - id: tidy\n      command: "sh agents/work.sh"\n`,
      files: { "notes.md": "my notes\n" },
    });
    repo.write("notes.md", "my notes, edited but not committed\n");
    repo.write("scratch.txt", "untracked\n");
    const before = repo.git("status", "--porcelain");
    await repo.ok(["run"]);
    expect(repo.git("status", "--porcelain")).toBe(before);
    expect(repo.read("notes.md")).toBe("my notes, edited but not committed\n");
    expect(repo.read("tidy.txt")).toBe("tidy\n");
    expect(repo.git("log", "-1", "--format=%P", "main").trim().split(" ")).toHaveLength(2);
  });

  it("waits while the user's uncommitted file overlaps the merge, then merges after they commit", async () => {
    await using repo = await engineRepo({
      agents: {
        shared: `printf 'line 1\\nline 2\\nline 3 from the stage\\n' > shared.txt
git commit -q -am "stage edits the end of shared.txt"
"$FLUX_BIN" stage complete`,
      },
      stagesYaml: `    - id: overlap\n      command: "sh agents/shared.sh"\n`,
      files: { "shared.txt": "line 1\nline 2\nline 3\n" },
    });
    repo.write("shared.txt", "line 1 from the user\nline 2\nline 3\n");
    const run = await repo.ok(["run"], 4);
    expect(run.stdout).toMatch(
      /overlap\s+completed\s+waiting: your uncommitted changes to shared\.txt overlap this merge/,
    );
    expect(repo.read("shared.txt")).toBe("line 1 from the user\nline 2\nline 3\n");
    const again = await repo.ok(["merge", "overlap"], 4);
    expect(again.stdout).toContain("Commit or stash them");
    repo.git("commit", "-q", "-am", "user edits the start of shared.txt");
    await repo.ok(["merge", "overlap"]);
    expect(repo.state("overlap")).toBe("merged");
    expect(repo.read("shared.txt")).toBe("line 1 from the user\nline 2\nline 3 from the stage\n");
    expect(repo.git("status", "--porcelain")).toBe("?? doc/\n");
  });

  it("blocks a stage whose branch conflicts with the base, leaving the base untouched", async () => {
    await using repo = await engineRepo({
      agents: {
        conflict: `echo "stage version" > conflict.txt
git commit -q -am "stage changes conflict.txt"
"$FLUX_BIN" stage complete`,
      },
      stagesYaml: `    - id: clash\n      command: "sh agents/conflict.sh"\n      merge: manual\n`,
      files: { "conflict.txt": "original\n" },
    });
    await repo.ok(["run"], 4);
    repo.write("conflict.txt", "user version\n");
    repo.git("commit", "-q", "-am", "user changes conflict.txt");
    const head = repo.git("rev-parse", "main");
    const merge = await repo.ok(["merge", "clash"], 4);
    expect(merge.stdout).toContain("conflicts with the base in conflict.txt");
    expect(repo.git("rev-parse", "main")).toBe(head);
    expect(repo.git("status", "--porcelain")).toBe("?? doc/\n");
    expect(repo.state("clash")).toBe("blocked");
    const status = await repo.ok(["status"]);
    expect(status.stdout).toMatch(
      /clash\s+blocked\s+conflicts with main in conflict\.txt: in \.worktrees\/clash run `git merge main`/,
    );
  });
});

describe("flux merge refusals", () => {
  it("refuses a running, waiting or unknown stage with its own code, and blocks nothing", async () => {
    await using repo = await engineRepo({
      agents: { gated: GATED },
      stagesYaml: `    - id: long\n      command: "sh agents/gated.sh"\n    - id: next\n      dependencies: [long]\n      command: "sh agents/gated.sh"\n`,
    });
    repo.gate("long");
    repo.gate("next");
    const run = repo.spawn(["run"]);
    await run.waitFor(/long\s+ready → running/);
    const running = await repo.ok(["merge", "long"], 4);
    expect(running.stderr).toContain("STAGE_NOT_MERGEABLE");
    const waiting = await repo.ok(["merge", "next"], 4);
    expect(waiting.stderr).toContain("STAGE_NOT_MERGEABLE");
    const unknown = await repo.ok(["merge", "nope"], 5);
    expect(unknown.stderr).toContain("STAGE_NOT_FOUND");
    expect(repo.state("long")).toBe("running");
    expect(repo.state("next")).toBe("waiting");
    await repo.open("long");
    await run.waitFor(/next\s+ready → running/);
    await repo.open("next");
    expect(await run.exit).toBe(0);
    expect(repo.mergedOrder()).toEqual(["long", "next"]);
  });
});
