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

  it("merge values other than pr are checked by the schema", () => {
    const found = check("    - id: a\n      merge: squash");
    expect(found[0]?.message).toBe(
      'stage "a": `merge` must be one of auto, manual, direct (got "squash")',
    );
  });
});
