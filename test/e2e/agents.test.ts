/**
 * Flux with the real agent CLIs (Claude Code, Codex, opencode) against the scripted fake model:
 * the model is the only thing faked.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { engineRepo } from "../kit/engine-repo.ts";
import { cliEnv, fakeModel } from "../kit/model.ts";
import { FLUX_BIN, flux, testEnv } from "../kit/cli.ts";
import { tempDir } from "../kit/temp-repo.ts";

/** Turns of a stage that writes a module and its test, commits, and asks Flux to complete. */
function moduleTurns(id: string, body: string, test: string, complete = "flux stage complete") {
  return [
    { text: `Writing ${id}.`, write: { path: `src/${id}.js`, content: body } },
    { write: { path: `test/${id}.test.js`, content: test } },
    { shell: `git add -A && git commit -q -m "Add ${id}"` },
    { shell: complete },
    { end: true, text: `${id} is done.` },
  ];
}

const testOf = (id: string, expr: string) =>
  `import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { ${id} } from "../src/${id}.js";\ntest("${id}", () => assert.ok(${expr}));\n`;

describe("real agent CLIs", () => {
  it("runs a diamond with headless Claude Code: tests written by the agents, one fix after a failed completion", async () => {
    await using model = await fakeModel({
      scripts: {
        a: moduleTurns("a", "export const a = () => 1;\n", testOf("a", "a() === 1")),
        b: [
          {
            text: "Writing b.",
            write: { path: "src/b.js", content: "export const b = () => 0;\n" },
          },
          { write: { path: "test/b.test.js", content: testOf("b", "b() === 2") } },
          { shell: `git add -A && git commit -q -m "Add b"` },
          { shell: "flux stage complete" },
          // The answer said the test failed: fix it and ask again.
          {
            text: "The test failed; fixing b.",
            write: { path: "src/b.js", content: "export const b = () => 2;\n" },
          },
          { shell: `git commit -q -am "Fix b"` },
          { shell: "flux stage complete" },
          { end: true, text: "b is done." },
        ],
        c: moduleTurns("c", "export const c = () => 3;\n", testOf("c", "c() === 3")),
        d: moduleTurns(
          "d",
          'import { b } from "./b.js";\nimport { c } from "./c.js";\nexport const d = () => b() + c();\n',
          testOf("d", "d() === 5"),
        ),
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      defaultsYaml: "    agent: claude\n    mode: headless\n",
      stagesYaml: ["a", "b", "c", "d"]
        .map((id) => {
          const deps = id === "b" || id === "c" ? "[a]" : id === "d" ? "[b, c]" : "[]";
          return `    - id: ${id}\n      description: "Module ${id} with a test. [[script:${id}]]"\n      dependencies: ${deps}\n      acceptance: ["node --test test/${id}.test.js"]\n`;
        })
        .join(""),
      files: { "package.json": '{ "type": "module" }\n' },
      env: { ...(cliEnv("claude", model, { root: homes }) as Record<string, string>) },
    });
    try {
      await repo.ok(["run"]);
      expect(repo.mergedOrder()[0]).toBe("a");
      expect(repo.mergedOrder()[3]).toBe("d");
      expect(
        repo.db<{ stage_id: string; passed: number }>(
          "SELECT stage_id, passed FROM acceptance_runs WHERE stage_id = 'b' ORDER BY id",
        ),
      ).toEqual([
        { stage_id: "b", passed: 0 },
        { stage_id: "b", passed: 1 },
      ]);
      expect(repo.sessions("b")).toHaveLength(1);
      // Claude was told what failed, and to finish with the command it may run (not "$FLUX_BIN").
      const told = model
        .requests()
        .find((r) => JSON.stringify(r.body).includes("did not pass its acceptance"));
      expect(JSON.stringify(told?.body)).toContain("run `flux stage complete` again");
      const telemetry = repo.db<{
        stage_id: string;
        input_tokens: number;
        output_tokens: number;
        cost_usd: number;
        result: string;
        agent_session_id: string;
      }>(
        "SELECT stage_id, input_tokens, output_tokens, cost_usd, result, agent_session_id FROM sessions ORDER BY stage_id",
      );
      expect(telemetry).toHaveLength(4);
      for (const t of telemetry) {
        expect(t.result, t.stage_id).toBe("success");
        expect(t.input_tokens, t.stage_id).toBeGreaterThan(0);
        expect(t.cost_usd, t.stage_id).toBeGreaterThan(0);
        expect(t.agent_session_id, t.stage_id).toMatch(/^[0-9a-f-]{36}$/);
      }
      const status = await repo.ok(["status"]);
      expect(status.stdout).toMatch(
        /ses_\w+\s+a\s+exited\s+claude\s+context: \d+% · \d+k? in \/ \d+ out · \$\d+\.\d{4} · success/,
      );
      expect(status.stdout).toMatch(/total cost \$\d+\.\d{4}/);
      expect(execFileSync("node", ["--test"], { cwd: repo.dir, encoding: "utf8" })).toContain(
        "# fail 0",
      );
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });

  it("runs a Codex stage and an opencode stage in the same plan as a Claude stage", async () => {
    const finish = (id: string, complete: string) => [
      { write: { path: `${id}.txt`, content: `${id}\n` } },
      { shell: `git add ${id}.txt && git commit -q -m "Add ${id}" && ${complete}` },
      { end: true, text: `${id} done.` },
    ];
    await using model = await fakeModel({
      scripts: {
        claude: finish("by-claude", "flux stage complete"),
        codex: finish("by-codex", '"$FLUX_BIN" stage complete'),
        opencode: finish("by-opencode", '"$FLUX_BIN" stage complete'),
      },
    });
    const homes = tempDir("flux-cli-");
    const env = {
      ...(cliEnv("claude", model, { root: homes }) as Record<string, string>),
      ...(cliEnv("codex", model, { root: homes }) as Record<string, string>),
      ...(cliEnv("opencode", model, { root: homes }) as Record<string, string>),
    };
    await using repo = await engineRepo({
      defaultsYaml: "    mode: headless\n",
      stagesYaml: `    - id: by-claude\n      agent: claude\n      description: "[[script:claude]]"\n      acceptance: ["test -f by-claude.txt"]\n    - id: by-codex\n      agent: codex\n      description: "[[script:codex]]"\n      acceptance: ["test -f by-codex.txt"]\n    - id: by-opencode\n      agent: opencode\n      description: "[[script:opencode]]"\n      acceptance: ["test -f by-opencode.txt"]\n`,
      env,
    });
    try {
      await repo.ok(["run"]);
      expect(repo.mergedOrder().sort()).toEqual(["by-claude", "by-codex", "by-opencode"]);
      const rows = repo.db<{
        agent: string;
        agent_session_id: string | null;
        result: string | null;
        input_tokens: number;
      }>("SELECT agent, agent_session_id, result, input_tokens FROM sessions ORDER BY agent");
      expect(rows.map((r) => r.agent)).toEqual(["claude", "codex", "opencode"]);
      for (const r of rows) {
        expect(r.agent_session_id, r.agent).toBeTruthy();
        expect(r.result, r.agent).toBe("success");
        expect(r.input_tokens, r.agent).toBeGreaterThan(0);
      }
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });

  // Rate and usage limits are not failed attempts: test/e2e/limits.test.ts.
  it("classifies scripted API errors and restarts the stage; handles a session ended by --max-turns", async () => {
    await using model = await fakeModel({
      scripts: {
        overloaded: [{ error: { status: 529, type: "overloaded_error", message: "Overloaded" } }],
        long: [
          { shell: "echo one" },
          { shell: "echo two" },
          { shell: "echo three" },
          { end: true, text: "never reached" },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      defaultsYaml: "    agent: claude\n    mode: headless\n",
      stagesYaml: `    - id: overloaded\n      description: "[[script:overloaded]]"\n      max_retries: 1\n    - id: long\n      description: "[[script:long]]"\n      max_turns: 1\n      max_retries: 0\n`,
      env: { ...(cliEnv("claude", model, { root: homes }) as Record<string, string>) },
    });
    try {
      const run = await repo.ok(["run"], 4);
      // Each API error is classified, and the stage is restarted once before it fails.
      expect(run.stdout).toMatch(
        /overloaded\s+running → ready\s+the agent exited with code 1 without completing \(api_error: API Error: 529/,
      );
      expect(repo.state("overloaded")).toBe("failed");
      expect(repo.sessions("overloaded").map((x) => x.purpose)).toEqual(["start", "retry"]);
      expect(
        repo.db("SELECT error_class, failure FROM sessions WHERE stage_id = 'overloaded'"),
      ).toEqual([
        { error_class: "api_error", failure: "api_error" },
        { error_class: "api_error", failure: "api_error" },
      ]);
      expect(repo.state("long")).toBe("failed");
      expect(repo.db("SELECT error_class, result FROM sessions WHERE stage_id = 'long'")).toEqual([
        { error_class: "max_turns", result: "error" },
      ]);
      expect(run.stdout).toMatch(
        /long\s+failed\s+the agent exited with code 1 without completing \(max_turns/,
      );
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });
});

describe("flux demo", () => {
  // `--keep` keeps the temporary repository as `--dir` keeps its own (demo.ts: one flag): the
  // run with --dir below checks what a kept one holds, so this runs the demo once, not twice.
  it("removes its temporary repository unless asked to keep it", async () => {
    const gone = await flux(["demo"], { cwd: tempDir(), timeoutMs: 180_000 });
    const other = /^Flux demo in (.+)$/m.exec(gone.stdout)?.[1] ?? "";
    expect(gone.stdout).toContain(`(removed ${other};`);
    expect(fs.existsSync(other)).toBe(false);
  });

  it("runs the sample plan end to end with no network at all", () => {
    const dir = path.join(tempDir("flux-demo-test-"), "demo");
    try {
      const out = execFileSync(
        "unshare",
        [
          "-n",
          "sh",
          "-c",
          'ip link set lo up && exec "$0" "$@"',
          process.execPath,
          FLUX_BIN,
          "demo",
          "--dir",
          dir,
        ],
        {
          encoding: "utf8",
          env: testEnv({ FLUX_IDLE_TIMEOUT: "10s" }),
          timeout: 180_000,
        },
      );
      expect(out).toContain("3 of 3 stages merged into main by 3 Claude Code sessions");
      // Kept to look at, with the way in.
      expect(fs.existsSync(path.join(dir, ".work", "flux.db"))).toBe(true);
      expect(out).toContain(`cd ${dir}`);
      expect(out).toContain("Done: every stage is merged, skipped or cancelled.");
      expect(execFileSync("node", ["--test"], { cwd: dir, encoding: "utf8" })).toContain(
        "# pass 4",
      );
      expect(
        execFileSync("git", ["log", "--merges", "--format=%s"], { cwd: dir, encoding: "utf8" })
          .trim()
          .split("\n"),
      ).toHaveLength(3);
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
