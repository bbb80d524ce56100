/**
 * One fixture per diagnostic class: the code, where it points (the plan file's own line and
 * column), that it carries a hint, and that errors withhold the plan while warnings do not.
 */
import { describe, expect, it } from "vitest";
import { codes, errors, parseFixture } from "./helpers.ts";

interface Case {
  fixture: string;
  code: string;
  line: number | undefined;
  column?: number;
  severity?: "error" | "warning";
  /** Text the message must contain. */
  says?: string;
}

const cases: Case[] = [
  { fixture: "no-metadata.md", code: "PLAN_NO_METADATA", line: undefined, says: "FLUX METADATA" },
  { fixture: "no-metadata-fenced-marker.md", code: "PLAN_NO_METADATA", line: 6 },
  {
    fixture: "yaml-syntax.md",
    code: "PLAN_YAML_SYNTAX",
    line: 10,
    column: 13,
    says: "never closed",
  },
  { fixture: "not-flux.md", code: "PLAN_NOT_FLUX", line: 6, column: 1 },
  { fixture: "version.md", code: "PLAN_VERSION", line: 7, column: 12, says: "version 2" },
  { fixture: "version-missing.md", code: "PLAN_VERSION", line: 6, column: 1 },
  { fixture: "empty.md", code: "PLAN_EMPTY", line: 8, column: 11 },
  {
    fixture: "schema.md",
    code: "PLAN_SCHEMA",
    line: 10,
    column: 14,
    says: "claude, codex, opencode, command",
  },
  { fixture: "missing-id.md", code: "PLAN_MISSING_ID", line: 10, column: 7, says: "#2" },
  { fixture: "duplicate-id.md", code: "PLAN_DUPLICATE_ID", line: 12, column: 11, says: "line 9" },
  { fixture: "invalid-id.md", code: "PLAN_INVALID_ID", line: 9, column: 11, says: "Data Models" },
  { fixture: "reserved-id.md", code: "PLAN_RESERVED_ID", line: 10, column: 11, says: '"list"' },
  {
    fixture: "unknown-dependency.md",
    code: "PLAN_UNKNOWN_DEPENDENCY",
    line: 11,
    column: 22,
    says: 'Did you mean "stage-1-models"?',
  },
  { fixture: "self-dependency.md", code: "PLAN_SELF_DEPENDENCY", line: 10, column: 22 },
  { fixture: "cycle.md", code: "PLAN_CYCLE", line: 10, column: 22, says: "a → b → c → a" },
  { fixture: "command-missing.md", code: "PLAN_COMMAND_MISSING", line: 10, column: 14 },
  {
    fixture: "unused-group.md",
    code: "PLAN_UNUSED_GROUP",
    line: 11,
    column: 5,
    severity: "warning",
    says: "fundation",
  },
  {
    fixture: "unknown-key.md",
    code: "PLAN_UNKNOWN_KEY",
    line: 9,
    column: 5,
    severity: "warning",
    says: 'Did you mean "agent"?',
  },
  {
    fixture: "files-overlap.md",
    code: "PLAN_FILES_OVERLAP",
    line: 20,
    column: 11,
    severity: "warning",
    says: '"src/**/*.rs" (api) and "src/api/client.{ts,rs}" (frontend)',
  },
  {
    fixture: "inactive-field.md",
    code: "PLAN_INACTIVE_FIELD",
    line: 9,
    column: 5,
    severity: "warning",
    says: "`budget` is parsed and stored but not active yet",
  },
  {
    fixture: "stack-dependencies.md",
    code: "PLAN_STACK_DEPENDENCIES",
    line: 13,
    column: 7,
    says: 'stage "ui" has `stack: true` and 2 dependencies',
  },
  {
    fixture: "stack-no-dependency.md",
    code: "PLAN_STACK_NO_DEPS",
    line: 10,
    column: 7,
    severity: "warning",
    says: 'stage "models" has `stack: true` but no dependency',
  },
  {
    fixture: "stack-defaults.md",
    code: "PLAN_STACK_DEFAULTS",
    line: 9,
    column: 5,
    says: "not allowed in defaults",
  },
  {
    fixture: "context-order.md",
    code: "PLAN_CONTEXT_ORDER",
    line: 14,
    column: 9,
    severity: "warning",
    says: 'the context of stage "models": `handoff: 80` (from defaults) is above `hard: 70`',
  },
  {
    fixture: "unclosed-fence.md",
    code: "PLAN_UNCLOSED_FENCE",
    line: 5,
    column: 1,
    severity: "warning",
  },
];

describe("each diagnostic class", () => {
  it.each(cases)("$fixture → $code at line $line", (c) => {
    const result = parseFixture(c.fixture);
    const found = result.diagnostics.find((d) => d.code === c.code);
    expect(found, `diagnostics: ${codes(result.diagnostics).join(", ")}`).toBeDefined();
    if (found === undefined) return;
    expect(found.file).toBe(`doc/plans/${c.fixture}`);
    expect(found.line).toBe(c.line);
    if (c.column !== undefined) expect(found.column).toBe(c.column);
    expect(found.severity).toBe(c.severity ?? "error");
    expect(found.hint?.length ?? 0).toBeGreaterThan(10);
    if (c.says !== undefined) expect(found.message).toContain(c.says);
    // Errors withhold the plan; warnings alone do not.
    expect(result.plan === undefined).toBe(errors(result).length > 0);
    if ((c.severity ?? "error") === "warning") expect(result.plan).toBeDefined();
  });

  it("every diagnostic of every fixture has a code, a severity, a message and a hint", () => {
    for (const c of cases) {
      for (const d of parseFixture(c.fixture).diagnostics) {
        expect(d.code).toMatch(/^PLAN_[A-Z_]+$/);
        expect(d.message.length).toBeGreaterThan(5);
        expect(d.hint?.length ?? 0).toBeGreaterThan(5);
      }
    }
  });

  it("paths are relative to the flux: mapping", () => {
    const dep = parseFixture("unknown-dependency.md").diagnostics[0];
    expect(dep?.path).toEqual(["stages", 1, "dependencies", 0]);
    const key = parseFixture("unknown-key.md").diagnostics.find((d) => d.message.includes("agnet"));
    expect(key?.path).toEqual(["defaults", "agnet"]);
  });
});

describe("details of some classes", () => {
  it("the no-metadata hint shows a block to paste", () => {
    const [d] = parseFixture("no-metadata.md").diagnostics;
    expect(d?.hint).toContain("<!-- FLUX METADATA -->");
    expect(d?.hint).toContain("flux:\n  version: 1\n  stages:");
    expect(d?.hint).toContain("<!-- END FLUX METADATA -->");
  });

  it("the marker inside a code block is named as the reason", () => {
    const [d] = parseFixture("no-metadata-fenced-marker.md").diagnostics;
    expect(d?.hint).toContain("inside a code block");
  });

  it("reports each distinct cycle once, from the stage that comes first", () => {
    const cycles = parseFixture("cycle.md").diagnostics.filter((d) => d.code === "PLAN_CYCLE");
    expect(cycles.map((d) => d.message.split(" (")[0])).toEqual([
      "dependency cycle: a → b → c → a",
      "dependency cycle: d → e → d",
    ]);
    expect(cycles[1]?.line).toBe(16);
    expect(cycles[0]?.hint).toContain("a → b, b → c, c → a");
  });

  it("an unknown dependency with nothing close lists the known ids", () => {
    const d = parseFixture("unknown-dependency.md").diagnostics[1];
    expect(d?.line).toBe(15);
    expect(d?.message).not.toContain("Did you mean");
    expect(d?.hint).toContain("stage-1-models, stage-2-api, stage-3-docs");
  });

  it("invalid ids get a slug and the reason ids are restricted", () => {
    const d = parseFixture("invalid-id.md").diagnostics[0];
    expect(d?.hint).toContain("data-models");
    expect(d?.hint).toMatch(/branch names.*paths.*tmux/);
    // The dependency on the invalid id is not a second error.
    expect(parseFixture("invalid-id.md").diagnostics).toHaveLength(1);
  });

  it("a stage without an id gets one suggested from its name", () => {
    expect(parseFixture("missing-id.md").diagnostics[0]?.hint).toContain("id: api-endpoints");
  });

  it("merge: pr is a merge mode, in defaults and stages", () => {
    const result = parseFixture("merge-pr.md");
    expect(result.diagnostics).toEqual([]);
    expect(result.plan?.stages.map((s) => [s.id, s.merge])).toEqual([
      ["models", "pr"],
      ["api", "manual"],
    ]);
  });

  it("a command agent with its command is fine", () => {
    const result = parseFixture("command-missing.md");
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]?.message).toContain('"lint-fix"');
  });

  it("schema errors name the field, the allowed values and what was found", () => {
    const found = parseFixture("schema.md").diagnostics.map((d) => [d.line, d.message]);
    expect(found).toEqual([
      [10, 'stage "models": `agent` must be one of claude, codex, opencode, command (got "gpt")'],
      [11, expect.stringMatching(/`timeout` is not a duration.*\(got "5 minutes"\)/)],
      [12, 'stage "models": `max_retries` must be at least 0 (got -1)'],
      [14, 'stage "models": `env.PORT` must be a string (got 3000)'],
      [15, 'stage "models": `dependencies` must be a list (got "api")'],
      [17, 'stage "models": `acceptance[0].command` must be a string (got 7)'],
      [18, 'stage "models": `acceptance[1]` must not be empty'],
    ]);
    const port = parseFixture("schema.md").diagnostics[3];
    expect(port?.hint).toBe('Quote it: PORT: "3000"');
  });

  it("unknown keys are found at every level, with suggestions when close", () => {
    const found = parseFixture("unknown-key.md").diagnostics.filter(
      (d) => d.code === "PLAN_UNKNOWN_KEY",
    );
    expect(found.map((d) => [d.line, d.path?.at(-1) ?? d.message])).toEqual([
      [9, "agnet"],
      [10, "files"],
      [13, "max_paralel"],
      [16, "dependecies"],
      [21, "expect"],
      [23, "warnn"],
      [25, "dollars"],
      [26, "extra"],
      [27, expect.stringContaining("`notes`")],
    ]);
    expect(found[1]?.message).toBe("`files` can only be set on a stage, not in defaults");
    expect(found[2]?.hint).toBe("Rename `max_paralel` to `max_parallel`.");
    expect(found[6]?.hint).toBe("Known keys here: usd, tokens.");
  });

  it("overlap ignores stages ordered by dependencies and names both stages and globs", () => {
    const found = parseFixture("files-overlap.md").diagnostics;
    // models ↔ api overlap by glob but api waits for models; api ↔ frontend may run together.
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toContain('stages "api" and "frontend"');
    expect(found[0]?.hint).toContain('add "api" to the dependencies of "frontend"');
  });

  it("collects every problem in one pass, sorted by line", () => {
    const result = parseFixture("many-errors.md");
    expect(result.diagnostics.map((d) => [d.line, d.code])).toEqual([
      [9, "PLAN_INVALID_ID"],
      [10, "PLAN_SCHEMA"],
      [12, "PLAN_UNKNOWN_DEPENDENCY"],
      [12, "PLAN_SELF_DEPENDENCY"],
      [13, "PLAN_DUPLICATE_ID"],
      [15, "PLAN_RESERVED_ID"],
      [16, "PLAN_UNKNOWN_KEY"],
    ]);
    expect(result.plan).toBeUndefined();
  });
});
