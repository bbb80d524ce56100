/** Rules that need more than one fixture to pin down: concurrency, groups, agents. */
import { describe, expect, it } from "vitest";
import { parsePlan } from "../../../src/core/plan/index.ts";
import { codes, planWith } from "./helpers.ts";

const check = (stages: string, extra = "") =>
  parsePlan(planWith(`flux:\n  version: 1\n${extra}  stages:\n${stages}`), "p.md").diagnostics;

describe("files overlap", () => {
  it("stages ordered through a chain of dependencies never overlap", () => {
    const found = check(`    - id: a
      files: ["src/**"]
    - id: b
      dependencies: [a]
    - id: c
      dependencies: [b]
      files: ["src/x.ts"]`);
    expect(found).toEqual([]);
  });

  it("one warning per pair of stages, counting the other glob pairs", () => {
    const found = check(`    - id: a
      files: ["src/**", "test/**"]
    - id: b
      files: ["src/a.ts", "test/a.ts", "docs/x.md"]`);
    expect(codes(found)).toEqual(["PLAN_FILES_OVERLAP"]);
    expect(found[0]?.message).toContain("(and 1 more pair(s) of globs)");
    expect(found[0]?.line).toBe(12);
  });

  it("still works when the graph has a cycle", () => {
    const found = check(`    - id: a
      dependencies: [b]
      files: ["src/**"]
    - id: b
      dependencies: [a]
      files: ["src/**"]
    - id: c
      files: ["src/a.ts"]`);
    expect(codes(found)).toEqual(["PLAN_CYCLE", "PLAN_FILES_OVERLAP", "PLAN_FILES_OVERLAP"]);
  });
});

describe("ids", () => {
  it("a duplicated id reports once and joins no cycle", () => {
    const found = check(`    - id: a
    - id: a
      dependencies: [a]`);
    expect(codes(found)).toEqual(["PLAN_DUPLICATE_ID", "PLAN_SELF_DEPENDENCY"]);
  });

  it("an id that is a number is a type error with a quoting hint", () => {
    const found = check("    - id: 12");
    expect(codes(found)).toEqual(["PLAN_SCHEMA"]);
    expect(found[0]?.hint).toBe('Quote it: id: "12"');
  });

  it("an empty id counts as missing", () => {
    expect(codes(check('    - id: ""'))).toEqual(["PLAN_MISSING_ID"]);
  });
});

describe("groups", () => {
  it("parallel_group needs no groups: entry, and a used group does not warn", () => {
    expect(check("    - id: a\n      parallel_group: free")).toEqual([]);
    const extra = "  groups:\n    g:\n      max_parallel: 1\n";
    expect(check("    - id: a\n      parallel_group: g", extra)).toEqual([]);
  });

  it("a group with no close match suggests using or removing it", () => {
    const extra = "  groups:\n    lonely: {}\n";
    const found = check("    - id: a", extra);
    expect(codes(found)).toEqual(["PLAN_UNUSED_GROUP"]);
    expect(found[0]?.hint).toContain("or remove the group");
  });
});

describe("agents", () => {
  it("a command is allowed on other agents and missing only for command agents", () => {
    expect(check('    - id: a\n      agent: codex\n      command: "x"')).toEqual([]);
    expect(codes(check("    - id: a\n      agent: command"))).toEqual(["PLAN_COMMAND_MISSING"]);
  });

  it("a stage-wide error does not hide a type error inside the stage", () => {
    const extra = "  defaults:\n    agent: command\n";
    const found = check("    - id: a\n      timeout: soon", extra);
    expect(codes(found)).toEqual(["PLAN_COMMAND_MISSING", "PLAN_SCHEMA"]);
  });

  it("an acceptance entry that is neither text nor a mapping says what it may be", () => {
    const found = check("    - id: a\n      acceptance: [7, {command: 7}]");
    expect(found.map((d) => d.message)).toEqual([
      'stage "a": `acceptance[0]` must be a shell command or a mapping with `command` (got 7)',
      'stage "a": `acceptance[1].command` must be a string (got 7)',
    ]);
  });

  it("merge values are checked by the schema", () => {
    const found = check("    - id: a\n      merge: squash");
    expect(found[0]?.message).toBe(
      'stage "a": `merge` must be one of auto, manual, direct, pr (got "squash")',
    );
  });
});

describe("context thresholds", () => {
  const context = (body: string) => `      context:\n${body}`;

  it("thresholds in order, alone or joined with the defaults, do not warn", () => {
    expect(
      check(`    - id: a\n${context("        warn: 50\n        handoff: 70\n        hard: 85")}`),
    ).toEqual([]);
    const extra = "  defaults:\n    context:\n      warn: 50\n";
    expect(check(`    - id: a\n${context("        handoff: 65")}`, extra)).toEqual([]);
    expect(check("    - id: a\n      context:\n        window: 100000")).toEqual([]);
  });

  it("warns at the key, with the values and how Flux orders them", () => {
    const found = check(`    - id: a\n${context("        warn: 80\n        handoff: 70")}`);
    expect(codes(found)).toEqual(["PLAN_CONTEXT_ORDER"]);
    expect(found[0]).toMatchObject({
      severity: "warning",
      line: 12,
      column: 9,
      path: ["stages", 0, "context", "handoff"],
      message:
        'the context of stage "a": `warn: 80` is above `handoff: 70`; the thresholds must rise: warn ≤ handoff ≤ hard',
    });
    expect(found[0]?.hint).toContain("Set warn to at most 70, or handoff to at least 80.");
  });

  it("warn above hard without a handoff between them", () => {
    const found = check(`    - id: a\n${context("        warn: 95\n        hard: 90")}`);
    expect(found.map((d) => d.message)).toEqual([
      'the context of stage "a": `warn: 95` is above `hard: 90`; the thresholds must rise: warn ≤ handoff ≤ hard',
    ]);
  });

  it("reports each pair out of order once; warn above hard only through handoff", () => {
    const found = check(
      `    - id: a\n${context("        warn: 90\n        handoff: 80\n        hard: 70")}`,
    );
    expect(found.map((d) => d.path)).toEqual([
      ["stages", 0, "context", "handoff"],
      ["stages", 0, "context", "hard"],
    ]);
  });

  it("defaults out of order warn once, at defaults, not again on every stage", () => {
    const extra = "  defaults:\n    context:\n      handoff: 95\n      hard: 85\n";
    const found = check("    - id: a\n    - id: b", extra);
    expect(found.map((d) => [d.message, d.line])).toEqual([
      [
        "defaults.context: `handoff: 95` is above `hard: 85`; the thresholds must rise: warn ≤ handoff ≤ hard",
        11,
      ],
    ]);
  });

  it("a stage's own key against the defaults names where each value comes from", () => {
    const extra = "  defaults:\n    context:\n      warn: 70\n";
    const found = check(`    - id: a\n${context("        handoff: 65")}`, extra);
    expect(found.map((d) => d.message)).toEqual([
      'the context of stage "a": `warn: 70` (from defaults) is above `handoff: 65`; the thresholds must rise: warn ≤ handoff ≤ hard',
    ]);
  });

  it("a stage's context joins the defaults' key by key", () => {
    const yaml = `flux:
  version: 1
  defaults:
    context:
      handoff: 80
      window: 500000
  stages:
    - id: a
      context:
        warn: 50
        window: 300000
    - id: b`;
    const plan = parsePlan(planWith(yaml), "p.md").plan;
    expect(plan?.stages.map((s) => s.context)).toEqual([
      { handoff: 80, window: 300000, warn: 50 },
      { handoff: 80, window: 500000 },
    ]);
  });

  it("a value of the wrong type is the schema's alone", () => {
    const found = check(`    - id: a\n${context('        warn: "high"\n        handoff: 70')}`);
    expect(codes(found)).toEqual(["PLAN_SCHEMA"]);
  });

  it("context is active: no PLAN_INACTIVE_FIELD for it, still for budget", () => {
    const found = check(
      `    - id: a\n${context("        window: 100000")}\n      budget:\n        usd: 5`,
    );
    expect(found.map((d) => [d.code, d.message])).toEqual([
      ["PLAN_INACTIVE_FIELD", "`budget` is parsed and stored but not active yet"],
    ]);
  });
});

describe("fallback agents", () => {
  it("takes other agent CLIs, each once, on the stage or in defaults", () => {
    expect(check("    - id: a\n      fallback_agents: [codex, opencode]")).toEqual([]);
    expect(check("    - id: a\n      agent: codex\n      fallback_agents: [claude]")).toEqual([]);
    expect(check("    - id: a", "  defaults:\n    fallback_agents: [codex]\n")).toEqual([]);
  });

  it("refuses the stage's own agent, a repeat and a command agent, at the entry", () => {
    const found = check("    - id: a\n      fallback_agents: [claude, codex, codex, command]");
    expect(codes(found)).toEqual([
      "PLAN_FALLBACK_INVALID",
      "PLAN_FALLBACK_INVALID",
      "PLAN_FALLBACK_INVALID",
    ]);
    expect(found.map((d) => [d.severity, d.path, d.message])).toEqual([
      [
        "error",
        ["stages", 0, "fallback_agents", 0],
        'stage "a" names its own agent claude as a fallback',
      ],
      [
        "error",
        ["stages", 0, "fallback_agents", 2],
        'stage "a" names codex twice in fallback_agents',
      ],
      [
        "error",
        ["stages", 0, "fallback_agents", 3],
        'stage "a": a command agent cannot be a fallback',
      ],
    ]);
    expect(found[0]?.hint).toContain("name another agent (codex, opencode)");
  });

  it("only warns when the own agent comes from defaults: it is skipped for that stage", () => {
    const found = check(
      "    - id: a\n      agent: codex",
      "  defaults:\n    fallback_agents: [codex]\n",
    );
    expect(found.map((d) => [d.code, d.severity])).toEqual([["PLAN_FALLBACK_INVALID", "warning"]]);
  });
});

describe("stacked stages", () => {
  it("a stacked stage with one dependency is clean, a repeated one counts once", () => {
    expect(check("    - id: a\n    - id: b\n      dependencies: [a]\n      stack: true")).toEqual(
      [],
    );
    expect(
      check("    - id: a\n    - id: b\n      dependencies: [a, a]\n      stack: true"),
    ).toEqual([]);
    expect(
      check(
        "    - id: a\n    - id: c\n    - id: b\n      dependencies: [a, c]\n      stack: false",
      ),
    ).toEqual([]);
  });

  it("two dependencies: an error at the stage's `stack` key, with file and line", () => {
    const found = check(
      "    - id: a\n    - id: c\n    - id: b\n      dependencies: [a, c]\n      stack: true",
    );
    expect(codes(found)).toEqual(["PLAN_STACK_DEPENDENCIES"]);
    expect(found[0]).toMatchObject({
      file: "p.md",
      severity: "error",
      path: ["stages", 2, "stack"],
    });
    expect(found[0]?.line).toBeGreaterThan(0);
    expect(found[0]?.hint).toContain("Keep one dependency");
  });

  it("`stack: false` in defaults is harmless, `stack: true` there is refused", () => {
    expect(check("    - id: a", "  defaults:\n    stack: false\n")).toEqual([]);
    expect(codes(check("    - id: a", "  defaults:\n    stack: true\n"))).toEqual([
      "PLAN_STACK_DEFAULTS",
    ]);
  });
});
