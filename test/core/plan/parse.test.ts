/** parsePlan end to end: the seed plans, every field, defaults, and input it must survive. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePlan } from "../../../src/core/plan/index.ts";
import { codes, errors, parseFixture, planWith, readFixture } from "./helpers.ts";

describe("the seed plans", () => {
  it.each(["seed-flux-cli.md", "seed-claude-flux.md", "seed-claude-flux-copied.md"])(
    "%s parses with no diagnostics at all",
    (name) => {
      const result = parseFixture(name);
      expect(result.diagnostics).toEqual([]);
      expect(result.plan).toBeDefined();
    },
  );

  it("flux-cli: three stages, groups as written, lines of their ids", () => {
    const plan = parseFixture("seed-flux-cli.md").plan;
    expect(plan?.title).toBe("PLAN: Implement User Authentication");
    expect(plan?.overview.startsWith("# PLAN: Implement User Authentication")).toBe(true);
    expect(plan?.overview.endsWith("---")).toBe(true);
    expect(plan?.stages.map((s) => [s.id, s.line, s.parallelGroup, s.dependencies])).toEqual([
      ["stage-1-models", 19, "foundation", []],
      ["stage-2-api", 30, null, ["stage-1-models"]],
      ["stage-3-frontend", 39, "implementation", ["stage-1-models"]],
    ]);
    expect(plan?.stages[0]?.acceptance.map((a) => a.command)).toEqual([
      "cargo test --lib models",
      "cargo clippy -- -D warnings",
    ]);
    expect(plan?.stages[2]?.files).toEqual(["src/components/*.tsx"]);
  });

  it("claude-flux: parallel_group null and the marker with trailing words", () => {
    const plan = parseFixture("seed-claude-flux.md").plan;
    expect(plan?.title).toBe("PLAN-0001: User Authentication");
    expect(plan?.stages.map((s) => [s.id, s.parallelGroup, s.line])).toEqual([
      ["stage-1", null, 17],
      ["stage-2", null, 29],
    ]);
    expect(plan?.stages[0]?.files).toEqual(["src/auth/token.rs", "src/auth/mod.rs"]);
  });
});

describe("full.md: every field", () => {
  const result = parseFixture("full.md");
  const plan = result.plan;
  const stage = (id: string) => plan?.stages.find((s) => s.id === id);

  it("has no errors; only the fields of a later release warn", () => {
    expect(errors(result)).toEqual([]);
    expect(new Set(codes(result.diagnostics))).toEqual(new Set(["PLAN_INACTIVE_FIELD"]));
    expect(result.metadata?.base_branch).toBe("main");
    expect(plan?.baseBranch).toBe("main");
    expect(plan?.groups).toEqual({ backend: { maxParallel: 2 } });
  });

  it("applies built-in < defaults < stage", () => {
    const schema = stage("schema");
    expect(schema).toMatchObject({
      agent: "claude",
      mode: "headless",
      permissionMode: "edits",
      model: "gpt-5-codex",
      maxTurns: 80,
      setup: ["npm ci"],
      maxRetries: 3,
      maxFixAttempts: 4,
      timeoutMs: 45 * 60_000,
      verify: "auto",
      merge: "auto",
      stack: false,
      fallbackAgents: [],
    });
    // env merges key by key, the stage winning.
    expect(schema?.env).toEqual({
      NODE_ENV: "test",
      LOG_LEVEL: "debug",
      DATABASE_URL: "postgres://localhost/accounts_test",
    });
    // A stage's acceptance list replaces the defaults' list.
    expect(schema?.acceptance).toEqual([
      { command: "npm run migrate:check", timeoutMs: 600_000, expectExit: 0 },
      { command: "npm test -- db", timeoutMs: 300_000, expectExit: 0, stdoutContains: "passed" },
    ]);
  });

  it("keeps every stage-level setting", () => {
    expect(stage("api")).toMatchObject({
      name: "API endpoints",
      description: "Sign-up, login and session refresh",
      agent: "opencode",
      model: "anthropic/claude-sonnet-4-5",
      mode: "interactive",
      permissionMode: "ask",
      maxTurns: 40,
      setup: ["npm ci", "npm run build"],
      maxRetries: 0,
      maxFixAttempts: 2,
      timeoutMs: 90 * 60_000,
      verify: "human",
      merge: "manual",
      acceptance: [{ command: "npm test", timeoutMs: 600_000, expectExit: 0 }],
    });
    expect(stage("lint-fix")).toMatchObject({
      agent: "command",
      command: "npx eslint --fix . && git commit -am 'lint: fix'",
      merge: "direct",
      parallelGroup: null,
      stack: true,
      fallbackAgents: ["claude", "codex"],
      context: { window: 200000, warn: 60, handoff: 75, hard: 90 },
      budget: { usd: 5, tokens: 2000000 },
      line: 75,
    });
  });
});

describe("defaults that depend on other settings", () => {
  const resolve = (yaml: string) => {
    const result = parsePlan(planWith(yaml), "plan.md");
    expect(errors(result)).toEqual([]);
    return result.plan?.stages ?? [];
  };

  it("merge_conflict: human unless the defaults or the stage say agent", () => {
    const stages = resolve(`flux:
  version: 1
  defaults:
    merge_conflict: agent
  stages:
    - id: a
    - id: b
      merge_conflict: human
    - id: c
      agent: command
      command: ./resolve.sh
`);
    expect(stages.map((s) => s.mergeConflict)).toEqual(["agent", "human", "agent"]);
    const plain = resolve(`flux:
  version: 1
  stages:
    - id: a
`);
    expect(plain[0]?.mergeConflict).toBe("human");
    const bad = parsePlan(
      planWith(`flux:
  version: 1
  stages:
    - id: a
      merge_conflict: robot
`),
      "plan.md",
    );
    expect(JSON.stringify(errors(bad))).toContain("merge_conflict");
  });

  it("mode follows the agent; permission_mode follows the mode", () => {
    const stages = resolve(`flux:
  version: 1
  stages:
    - id: a
    - id: b
      agent: codex
    - id: c
      agent: claude
      mode: headless
    - id: d
      agent: opencode
      mode: interactive
    - id: e
      agent: codex
      permission_mode: ask`);
    expect(stages.map((s) => [s.id, s.agent, s.mode, s.permissionMode])).toEqual([
      ["a", "claude", "interactive", "ask"],
      ["b", "codex", "headless", "bypass"],
      ["c", "claude", "headless", "bypass"],
      ["d", "opencode", "interactive", "ask"],
      ["e", "codex", "headless", "ask"],
    ]);
  });

  it("built-in values when nothing is set", () => {
    const [a] = resolve("flux:\n  version: 1\n  stages:\n    - id: a");
    expect(a).toMatchObject({
      name: "a",
      description: "",
      dependencies: [],
      parallelGroup: null,
      files: [],
      env: {},
      setup: [],
      acceptance: [],
      maxRetries: 2,
      maxFixAttempts: 5,
      timeoutMs: undefined,
      verify: "auto",
      merge: "auto",
      stack: false,
      line: 9,
    });
  });

  it("an agent from defaults decides the mode; a command in defaults serves command stages", () => {
    const [a, b] = resolve(`flux:
  version: 1
  defaults:
    agent: command
    command: "./agent.sh {prompt_file}"
  stages:
    - id: a
    - id: b
      agent: claude`);
    expect([a?.agent, a?.mode, a?.command]).toEqual([
      "command",
      "headless",
      "./agent.sh {prompt_file}",
    ]);
    expect([b?.agent, b?.mode]).toEqual(["claude", "interactive"]);
  });

  it("a command agent that takes its agent from defaults still needs a command", () => {
    const result = parsePlan(
      planWith("flux:\n  version: 1\n  defaults:\n    agent: command\n  stages:\n    - id: a"),
      "plan.md",
    );
    expect(codes(result.diagnostics)).toEqual(["PLAN_COMMAND_MISSING"]);
    expect(result.diagnostics[0]?.line).toBe(11);
  });
});

describe("metadata blocks", () => {
  it.each([
    ["tilde-fence.md", ["models"], 9],
    ["unfenced.md", ["models", "api"], 9],
    ["unfenced-no-end.md", ["models"], 6],
  ])("%s parses, stage ids on the file's lines", (name, ids, line) => {
    const result = parseFixture(name);
    expect(result.diagnostics).toEqual([]);
    expect(result.plan?.stages.map((s) => s.id)).toEqual(ids);
    expect(result.plan?.stages[0]?.line).toBe(line);
  });

  it("maps YAML syntax errors to the plan file's lines in every kind of block", () => {
    const broken = "flux:\n  version: 1\n  version: 1\n  stages: [{id: a}]";
    const fenced = parsePlan(planWith(broken), "p.md").diagnostics;
    expect(fenced.map((d) => [d.code, d.line, d.column])).toEqual([["PLAN_YAML_SYNTAX", 8, 3]]);
    expect(fenced[0]?.hint).toContain("once");
    const bare = parsePlan(`# T\n<!-- FLUX METADATA -->\n${broken}\n`, "p.md").diagnostics;
    expect(bare.map((d) => [d.code, d.line, d.column])).toEqual([["PLAN_YAML_SYNTAX", 5, 3]]);
  });

  it("reads CRLF files and a BOM", () => {
    const text = `\uFEFF${readFixture("seed-flux-cli.md").replace(/\n/g, "\r\n")}`;
    const result = parsePlan(text, "crlf.md");
    expect(result.diagnostics).toEqual([]);
    expect(result.plan?.stages[1]?.line).toBe(30);
  });

  it("falls back to the file name when the plan has no heading", () => {
    const result = parsePlan(
      "<!-- FLUX METADATA -->\nflux:\n  version: 1\n  stages:\n    - id: a\n",
      "doc/plans/PLAN-auth.md",
    );
    expect(result.plan?.title).toBe("PLAN-auth");
    expect(result.plan?.overview).toBe("");
  });

  it("reports a top-level that is not a mapping as PLAN_NOT_FLUX", () => {
    const result = parsePlan(planWith("- id: a"), "p.md");
    expect(codes(result.diagnostics)).toEqual(["PLAN_NOT_FLUX"]);
    expect(result.diagnostics[0]?.line).toBe(6);
  });

  it("reports `flux:` that is not a mapping", () => {
    const result = parsePlan(planWith("flux: yes"), "p.md");
    expect(codes(result.diagnostics)).toEqual(["PLAN_SCHEMA"]);
  });

  it("reports missing and empty stage lists as PLAN_EMPTY", () => {
    for (const yaml of ["flux:\n  version: 1", "flux:\n  version: 1\n  stages:"]) {
      expect(codes(parsePlan(planWith(yaml), "p.md").diagnostics)).toEqual(["PLAN_EMPTY"]);
    }
  });

  it("reports alias bombs instead of throwing", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "flux: [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
    ].join("\n");
    expect(codes(parsePlan(planWith(bomb), "p.md").diagnostics)).toEqual(["PLAN_YAML_SYNTAX"]);
  });

  it("accepts YAML merge keys for shared settings", () => {
    const result = parsePlan(
      planWith(`flux:
  version: 1
  stages:
    - &base
      id: a
      agent: codex
    - <<: *base
      id: b`),
      "p.md",
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.plan?.stages.map((s) => [s.id, s.agent])).toEqual([
      ["a", "codex"],
      ["b", "codex"],
    ]);
  });
});

describe("robustness", () => {
  it("never throws, and returns a plan exactly when there is no error", () => {
    const fragments = [
      "<!-- FLUX METADATA -->",
      "<!-- END FLUX METADATA -->",
      "```yaml",
      "```",
      "~~~",
      "flux:",
      "  version: 1",
      "  stages:",
      "    - id: a",
      "      dependencies: [a, b]",
      "    - id: b",
      "      files: ['src/{a,b}/**', '[']",
      "  groups: {g: {max_parallel: 0}}",
      "# title",
      "\t- : ] [ & * ! | >",
      "      merge: pr",
    ];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...fragments), fc.string()), { maxLength: 14 }),
        (lines) => {
          const result = parsePlan(lines.join("\n"), "fuzz.md");
          expect(result.plan === undefined).toBe(errors(result).length > 0);
          for (const d of result.diagnostics) expect(d.file).toBe("fuzz.md");
        },
      ),
      { numRuns: 400 },
    );
  });

  it("handles a long dependency chain and a large cycle without blowing up", () => {
    const n = 400;
    const stages = Array.from(
      { length: n },
      (_, i) => `    - id: s${i}\n      dependencies: [s${(i + 1) % n}]`,
    );
    const result = parsePlan(
      planWith(`flux:\n  version: 1\n  stages:\n${stages.join("\n")}`),
      "p.md",
    );
    expect(codes(result.diagnostics)).toEqual(["PLAN_CYCLE"]);
    expect(result.diagnostics[0]?.message).toMatch(/^dependency cycle: s0 → s1 → .* → s399 → s0/);
  });
});
