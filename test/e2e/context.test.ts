/**
 * Context handoffs with the real agent CLIs against the scripted model, usage climbing turn by
 * turn (DESIGN.md §4): the agent told at red writes its handoff and a fresh session continues;
 * past the hard limit no tool runs and Flux writes the handoff itself.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { engineRepo } from "../kit/engine-repo.ts";
import { cliEnv, fakeModel } from "../kit/model.ts";
import { tempDir } from "../kit/temp-repo.ts";
import { waitFor } from "../kit/tmux.ts";

/** Tokens at a percentage of Claude's default 200k window. */
const at = (percent: number) => ({ input_tokens: percent * 2_000 });

/** A heredoc `flux handoff create` whose document names the next session's script. */
function handOff(part: number, next: string): string {
  return [
    "flux handoff create --stdin <<'EOF'",
    "## Summary",
    `Part ${part} is written and committed. [[script:${next}]]`,
    "## Completed",
    `- part${part}.txt`,
    "## Remaining",
    `- write part${part + 1}.txt (part${part}.txt:1)`,
    "## Decisions",
    "- one file per part",
    "## Open questions",
    "- none",
    "EOF",
  ].join("\n");
}

/** A session's script: writes its part, commits, climbs past red, is told, hands off. */
function part(n: number, next: string) {
  return [
    {
      text: `Writing part ${n}.`,
      write: { path: `part${n}.txt`, content: `${n}\n` },
      usage: at(20),
    },
    { shell: `git add part${n}.txt && git commit -q -m "part ${n}"`, usage: at(50) },
    { shell: "git status --short", usage: at(78) },
    // The PostToolUse hook told it to hand off: it does, and stops.
    { shell: handOff(n, next), usage: at(80) },
    { end: true, text: "Handed off." },
  ];
}

describe("context handoffs with headless Claude Code", () => {
  it("finishes a stage across four sessions with three handoffs, every file merged", async () => {
    await using model = await fakeModel({
      scripts: {
        s1: part(1, "s2"),
        s2: part(2, "s3"),
        s3: part(3, "s4"),
        s4: [
          { write: { path: "part4.txt", content: "4\n" }, usage: at(20) },
          { shell: 'git add part4.txt && git commit -q -m "part 4"', usage: at(30) },
          { shell: "flux stage complete", usage: at(40) },
          { end: true, text: "Done." },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      // A 200k window (Claude's default model has 1M).
      defaultsYaml: "    agent: claude\n    mode: headless\n    model: claude-sonnet-4-5\n",
      stagesYaml:
        '    - id: long\n      description: "Four parts. [[script:s1]]"\n' +
        '      acceptance: ["test -f part1.txt && test -f part2.txt && test -f part3.txt && test -f part4.txt"]\n',
      env: { ...(cliEnv("claude", model, { root: homes }) as Record<string, string>) },
    });
    try {
      const run = await repo.ok(["run"]);
      expect(repo.state("long")).toBe("merged");
      for (const n of [1, 2, 3, 4]) expect(repo.git("show", `main:part${n}.txt`)).toBe(`${n}\n`);
      const sessions = repo.sessions("long");
      // On a failure, what the run and the daemon said tell which session was one too many.
      const said = `${run.stdout}\n${repo.read(".work/logs/daemon.log")}`;
      expect(
        sessions.map((s) => s.purpose),
        said,
      ).toEqual(["start", "handoff", "handoff", "handoff"]);
      const handoffs = repo.db<{ number: number; author: string; reason: string }>(
        "SELECT number, author, reason FROM handoffs ORDER BY number",
      );
      expect(handoffs).toEqual(
        [1, 2, 3].map((number) => ({ number, author: "agent", reason: "context" })),
      );
      // Each continuation's first model request carries the handoff it continues from.
      for (const [script, n] of [
        ["s2", 1],
        ["s3", 2],
        ["s4", 3],
      ] as const) {
        const first = model.requests().find((r) => r.script === script && r.turn === 0);
        expect(JSON.stringify(first?.body), script).toContain(
          `Part ${n} is written and committed.`,
        );
      }
      // The agent was told at red, through its hook, not in its prompt.
      const told = model.requests().find((r) => r.script === "s1" && r.turn === 3);
      expect(JSON.stringify(told?.body)).toContain("Hand off now");
      const status = await repo.ok(["status", "--json"]);
      expect(status.stdout).toContain('"contextLevel"');
      expect(fs.existsSync(`${repo.dir}/.work/handoffs/long-handoff-003.md`)).toBe(true);
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });

  it("stops a session whose usage jumps past the hard limit before its next tool runs; Flux writes the handoff", async () => {
    await using model = await fakeModel({
      scripts: {
        j1: [
          {
            text: "Writing done.txt. [[script:j2]]",
            write: { path: "done.txt", content: "done\n" },
            usage: at(10),
          },
          { shell: 'git add done.txt && git commit -q -m "the done part"', usage: at(20) },
          // Past the 90% limit: this write must never happen.
          { write: { path: "forbidden.txt", content: "no\n" }, usage: at(95) },
          { end: true, text: "Should not get here." },
        ],
        j2: [
          { write: { path: "rest.txt", content: "rest\n" }, usage: at(10) },
          { shell: 'git add rest.txt && git commit -q -m "the rest"', usage: at(20) },
          { shell: "flux stage complete", usage: at(25) },
          { end: true, text: "Done." },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      // A 200k window (Claude's default model has 1M).
      defaultsYaml: "    agent: claude\n    mode: headless\n    model: claude-sonnet-4-5\n",
      stagesYaml:
        '    - id: jump\n      description: "Jumps. [[script:j1]]"\n      acceptance: ["test -f done.txt && test -f rest.txt"]\n',
      env: { ...(cliEnv("claude", model, { root: homes }) as Record<string, string>) },
    });
    try {
      await repo.ok(["run"]);
      expect(repo.state("jump")).toBe("merged");
      expect(repo.git("ls-tree", "-r", "--name-only", "main")).not.toContain("forbidden.txt");
      expect(fs.existsSync(`${repo.dir}/.worktrees/jump/forbidden.txt`)).toBe(false);
      const [handoff] = repo.db<{ author: string; reason: string }>(
        "SELECT author, reason FROM handoffs",
      );
      expect(handoff).toEqual({ author: "flux", reason: "limit" });
      const first = model.requests().find((r) => r.script === "j2" && r.turn === 0);
      expect(JSON.stringify(first?.body)).toContain("the done part");
      // No request after the one that crossed the limit in the first session.
      expect(
        model
          .requests()
          .filter((r) => r.script === "j1")
          .map((r) => r.turn),
      ).toEqual([0, 1, 2]);
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });
});

describe("the backstop for an agent that does not hand off", () => {
  it("stops a Claude session that keeps working after it was told, and writes its handoff", async () => {
    await using model = await fakeModel({
      scripts: {
        g1: [
          {
            text: "Part one. [[script:g2]]",
            write: { path: "one.txt", content: "1\n" },
            usage: at(20),
          },
          { shell: 'git add one.txt && git commit -q -m "part one"', usage: at(40) },
          { shell: "echo step-1", usage: at(78) },
          { shell: "echo step-2", usage: at(79) },
          { shell: "echo step-3 > three.txt", usage: at(79) },
          { shell: "echo step-4 > four.txt", usage: at(79) },
          { end: true, text: "never reached" },
        ],
        g2: [
          {
            shell:
              'echo 2 > two.txt && git add two.txt && git commit -q -m "part two" && flux stage complete',
            usage: at(10),
          },
          { end: true, text: "Done." },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      defaultsYaml: "    agent: claude\n    mode: headless\n    model: claude-sonnet-4-5\n",
      stagesYaml:
        '    - id: deaf\n      description: "Ignores. [[script:g1]]"\n      acceptance: ["test -f one.txt && test -f two.txt"]\n',
      env: { ...(cliEnv("claude", model, { root: homes }) as Record<string, string>) },
    });
    fs.appendFileSync(`${repo.dir}/.work/config.toml`, "\n[context]\nhandoff_steps = 2\n");
    try {
      await repo.ok(["run"]);
      expect(repo.state("deaf")).toBe("merged");
      expect(repo.db("SELECT author, reason FROM handoffs")).toEqual([
        { author: "flux", reason: "ignored" },
      ]);
      // Told at 78% (one step), two more allowed, the third stopped: its tool never ran.
      const files = repo.git("ls-tree", "-r", "--name-only", "main");
      expect(files).not.toContain("four.txt");
      expect(model.requests().filter((r) => r.script === "g1").length).toBeLessThanOrEqual(5);
      const first = model.requests().find((r) => r.script === "g2" && r.turn === 0);
      expect(JSON.stringify(first?.body)).toContain("Flux wrote this handoff");
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });
});

describe("context handoffs with Codex and opencode", () => {
  it("ends a Codex and an opencode session that crossed red; each continues in a fresh session with Flux's handoff", async () => {
    // The runner reads the usage after each model call (Codex: its rollout; opencode: its
    // stream) and ends the agent at red: neither CLI can be told mid-turn.
    const first = (id: string, next: string) => [
      {
        text: `Starting ${id}. [[script:${next}]]`,
        write: { path: `${id}-1.txt`, content: "1\n" },
        usage: at(20),
      },
      { shell: `git add ${id}-1.txt && git commit -q -m "${id} part one"`, usage: at(40) },
      { shell: "echo thinking", usage: at(80) },
      { shell: `echo late > ${id}-late.txt`, usage: at(82) },
      { end: true, text: "never reached" },
    ];
    const second = (id: string) => [
      { write: { path: `${id}-2.txt`, content: "2\n" }, usage: at(10) },
      {
        shell: `git add ${id}-2.txt && git commit -q -m "${id} part two" && "$FLUX_BIN" stage complete`,
        usage: at(20),
      },
      { end: true, text: "done" },
    ];
    await using model = await fakeModel({
      scripts: {
        cx: first("cx", "cx2"),
        cx2: second("cx"),
        oc: first("oc", "oc2"),
        oc2: second("oc"),
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      defaultsYaml: "    mode: headless\n",
      stagesYaml:
        '    - id: cx\n      agent: codex\n      description: "[[script:cx]]"\n      acceptance: ["test -f cx-1.txt && test -f cx-2.txt"]\n' +
        '    - id: oc\n      agent: opencode\n      description: "[[script:oc]]"\n      acceptance: ["test -f oc-1.txt && test -f oc-2.txt"]\n',
      env: {
        ...(cliEnv("codex", model, { root: homes }) as Record<string, string>),
        ...(cliEnv("opencode", model, { root: homes }) as Record<string, string>),
      },
    });
    try {
      await repo.ok(["run"]);
      for (const id of ["cx", "oc"]) {
        expect(repo.state(id), id).toBe("merged");
        expect(
          repo.sessions(id).map((s) => s.purpose),
          id,
        ).toEqual(["start", "handoff"]);
        expect(repo.git("show", `main:${id}-1.txt`)).toBe("1\n");
        expect(repo.git("show", `main:${id}-2.txt`)).toBe("2\n");
        // No tool of a model response after the one that crossed red ran.
        expect(repo.git("ls-tree", "-r", "--name-only", "main"), id).not.toContain(
          `${id}-late.txt`,
        );
        const continuation = model.requests().find((r) => r.script === `${id}2` && r.turn === 0);
        expect(JSON.stringify(continuation?.body), id).toContain(`${id} part one`);
      }
      expect(
        repo.db<{ stage_id: string; author: string; reason: string }>(
          "SELECT stage_id, author, reason FROM handoffs ORDER BY stage_id",
        ),
      ).toEqual([
        { stage_id: "cx", author: "flux", reason: "context" },
        { stage_id: "oc", author: "flux", reason: "context" },
      ]);
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });
});

describe("context handoffs with interactive Claude Code", () => {
  it("tells the TUI at red through its hook; its handoff ends it and a fresh TUI continues", async () => {
    await using model = await fakeModel({
      scripts: {
        i1: [
          { text: "Part one.", write: { path: "part1.txt", content: "1\n" }, usage: at(20) },
          { shell: 'git add part1.txt && git commit -q -m "part 1"', usage: at(50) },
          { shell: "git status --short", usage: at(78) },
          { shell: handOff(1, "i2"), usage: at(80) },
          { end: true, text: "Handed off." },
        ],
        i2: [
          { write: { path: "part2.txt", content: "2\n" }, usage: at(20) },
          { shell: 'git add part2.txt && git commit -q -m "part 2"', usage: at(30) },
          { shell: "flux stage complete", usage: at(40) },
          { end: true, text: "Done." },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      defaultsYaml:
        "    agent: claude\n    model: claude-sonnet-4-5\n    permission_mode: bypass\n",
      stagesYaml:
        '    - id: tui\n      description: "Two parts. [[script:i1]]"\n      acceptance: ["test -f part1.txt && test -f part2.txt"]\n',
      env: { ...(cliEnv("claude", model, { root: homes }) as Record<string, string>) },
    });
    try {
      await repo.ok(["run"]);
      expect(repo.state("tui")).toBe("merged");
      for (const n of [1, 2]) expect(repo.git("show", `main:part${n}.txt`)).toBe(`${n}\n`);
      expect(repo.sessions("tui").map((s) => s.purpose)).toEqual(["start", "handoff"]);
      expect(repo.db("SELECT author, reason FROM handoffs")).toEqual([
        { author: "agent", reason: "context" },
      ]);
      const told = model.requests().find((r) => r.script === "i1" && r.turn === 3);
      expect(JSON.stringify(told?.body)).toContain("Hand off now");
      const first = model.requests().find((r) => r.script === "i2" && r.turn === 0);
      expect(JSON.stringify(first?.body)).toContain("Part 1 is written and committed.");
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });
});

describe("a compaction in interactive Claude Code", () => {
  it("refuses the first /compact and demands a handoff, which the next prompt delivers", async () => {
    await using model = await fakeModel({
      scripts: {
        k1: [
          { text: "Part one.", write: { path: "part1.txt", content: "1\n" }, usage: at(20) },
          { shell: 'git add part1.txt && git commit -q -m "part 1"', usage: at(30) },
          { text: "Paused here.", usage: at(35) },
          // After a human typed /compact (refused) and then "go on".
          { shell: handOff(1, "k2"), usage: at(40) },
          { end: true, text: "Handed off." },
        ],
        k2: [
          {
            shell:
              'echo 2 > part2.txt && git add part2.txt && git commit -q -m "part 2" && flux stage complete',
            usage: at(10),
          },
          { end: true, text: "Done." },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      defaultsYaml:
        "    agent: claude\n    model: claude-sonnet-4-5\n    permission_mode: bypass\n",
      stagesYaml:
        '    - id: kept\n      description: "Two parts. [[script:k1]]"\n      acceptance: ["test -f part1.txt && test -f part2.txt"]\n',
      env: { ...(cliEnv("claude", model, { root: homes }) as Record<string, string>) },
    });
    fs.appendFileSync(`${repo.dir}/.work/config.toml`, "\n[sessions]\nstop_reminders = 0\n");
    try {
      const run = repo.spawn(["run"]);
      await run.waitFor(/waiting for input: the agent stopped before completing its stage/);
      repo.tmux("send-keys", "-t", "flux-kept", "/compact", "Enter");
      await waitForRow(repo, "SELECT 1 FROM sessions WHERE compact_blocked = 1");
      repo.tmux("send-keys", "-t", "flux-kept", "go on", "Enter");
      expect(await run.exit).toBe(0);
      expect(repo.state("kept")).toBe("merged");
      // The refused compaction never reached the model; the demand did, with the prompt.
      expect(model.requests().some((r) => r.response_kind === "compact")).toBe(false);
      const told = model.requests().find((r) => r.script === "k1" && r.turn === 3);
      expect(JSON.stringify(told?.body)).toContain("compaction is refused once");
      expect(repo.db("SELECT author, reason FROM handoffs")).toEqual([
        { author: "agent", reason: "compact" },
      ]);
      expect(repo.sessions("kept").map((s) => s.purpose)).toEqual(["start", "handoff"]);
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });
});

/** Waits until a query returns a row (the daemon writes the store from another process). */
async function waitForRow(repo: { db<T>(sql: string): T[] }, sql: string): Promise<void> {
  await waitFor(() => repo.db(sql).length > 0, { timeoutMs: 20_000 });
}
