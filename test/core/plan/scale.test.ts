/**
 * Validation at scale: shapes that used to throw ("internal error") or take quadratic time.
 * Each returns diagnostics instead, and its work is bounded by counting steps (a WorkMeter),
 * never by the clock; the 10,000-stage timings live in bench/validate.
 */
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/core/diagnostics.ts";
import { parsePlan } from "../../../src/core/plan/index.ts";
import type { ParseResult } from "../../../src/core/plan/index.ts";
import { SUGGEST_BUDGET } from "../../../src/core/plan/validate.ts";
import { codes, workMeter } from "./helpers.ts";
import {
  bigCycle,
  braceGlobs,
  chainDependentFirst,
  hugeUnknownId,
  lineCount,
  planFile,
  sharedGlob,
  unknownDependencies,
  unknownKeys,
} from "./shapes.ts";

function parse(text: string, meter = workMeter()): ParseResult {
  const result = parsePlan(text, "doc/plans/big.md", { meter });
  const lines = lineCount(text);
  for (const d of result.diagnostics) {
    if (d.line !== undefined) expect(d.line, d.message).toBeLessThanOrEqual(lines);
    if (d.line !== undefined) expect(d.line).toBeGreaterThanOrEqual(1);
  }
  return result;
}

const only = (result: ParseResult, code: string): Diagnostic[] =>
  result.diagnostics.filter((d) => d.code === code);

/** Line of stage i's second line (its dependencies or files) in the generated shapes. */
const secondLine = (i: number): number => 10 + 2 * i;

const TIMEOUT = 30_000;

describe("deep graphs do not overflow the stack", () => {
  it(
    "a 5,000-stage chain listed dependent-first is a valid plan",
    () => {
      const result = parse(chainDependentFirst(5_000));
      expect(result.diagnostics).toEqual([]);
      expect(result.plan?.stages).toHaveLength(5_000);
    },
    TIMEOUT,
  );

  it(
    "a 5,000-stage cycle is one PLAN_CYCLE, shortened, at the first stage's dependency",
    () => {
      const result = parse(bigCycle(5_000));
      const cycles = only(result, "PLAN_CYCLE");
      expect(codes(result.diagnostics)).toEqual(["PLAN_CYCLE"]);
      expect(cycles[0]?.line).toBe(secondLine(0));
      expect(cycles[0]?.column).toBe(22);
      expect(cycles[0]?.message).toMatch(/^dependency cycle: s-0 → s-1 → .*→ s-4999 → s-0 /);
      expect(cycles[0]?.message).toContain("… (4,989 more) …");
      expect(cycles[0]?.message.length).toBeLessThan(600);
      expect(cycles[0]?.hint?.length).toBeLessThan(600);
    },
    TIMEOUT,
  );
});

describe("odd globs are diagnostics, not picomatch errors", () => {
  const huge = "src/" + "a".repeat(70_000);
  const text = planFile([
    "    - id: a",
    '      files: ["src/**"]',
    "    - id: b",
    '      files: [""]',
    "    - id: c",
    '      files: ["./"]',
    "    - id: d",
    '      files: [" "]',
    "    - id: e",
    `      files: ["${huge}"]`,
  ]);

  it("empty, blank and ./ globs beside another stage's glob", () => {
    const result = parse(text);
    const bad = only(result, "PLAN_BAD_GLOB");
    expect(bad.map((d) => d.line)).toEqual([12, 14, 16, 18]);
    expect(bad.map((d) => d.severity)).toEqual(["warning", "warning", "warning", "warning"]);
    expect(bad[0]?.message).toBe('stage "b": `files[0]` is empty, so it matches no file');
    expect(bad[1]?.message).toContain('"./"');
    expect(bad[0]?.hint).toMatch(/src\/\*\*/);
    expect(result.plan).toBeDefined();
  });

  it("a glob over the length limit is named with the limit", () => {
    const bad = only(parse(text), "PLAN_BAD_GLOB")[3];
    expect(bad?.message).toContain("70,004 characters");
    expect(bad?.message).toContain("4,096");
    expect(bad?.message.length).toBeLessThan(300);
  });
});

describe("overlaps are found in near-linear work and summarised", () => {
  it(
    "1,000 parallel stages sharing one glob give one summarised warning",
    () => {
      const meter = workMeter();
      const result = parse(sharedGlob(1_000), meter);
      const found = only(result, "PLAN_FILES_OVERLAP");
      expect(codes(result.diagnostics)).toEqual(["PLAN_FILES_OVERLAP"]);
      expect(found[0]?.message).toMatch(
        /^1,000 stages share the glob "src\/\*\*" and may run at the same time \(showing 5\): "s-0", "s-1", "s-2", "s-3", "s-4"/,
      );
      expect(found[0]?.line).toBe(secondLine(1));
      expect(meter.total()).toBeLessThan(100 * 1_000);
    },
    TIMEOUT,
  );

  it(
    "1,000 stages sharing one glob in a chain give no warning",
    () => {
      const lines = Array.from({ length: 1_000 }, (_, i) => [
        `    - id: s-${i}`,
        `      dependencies: [${i > 0 ? `s-${i - 1}` : ""}]`,
        '      files: ["src/**"]',
      ]).flat();
      const meter = workMeter();
      expect(parse(planFile(lines), meter).diagnostics).toEqual([]);
      // The reachability table costs about stages / 16 words a stage: 63 here.
      expect(meter.total()).toBeLessThan(200 * 1_000);
    },
    TIMEOUT,
  );

  it(
    "2,000 stages with brace globs compare a bounded number of globs",
    () => {
      const meter = workMeter();
      const result = parse(braceGlobs(2_000), meter);
      expect(result.diagnostics).toEqual([]);
      expect(meter.by.globs ?? 0).toBeGreaterThan(0);
      expect(meter.total()).toBeLessThan(100 * 2_000);
    },
    TIMEOUT,
  );
});

describe("unknown names cost linear work", () => {
  it(
    "2,000 unknown dependencies: every one reported at its line, in bounded work",
    () => {
      const meter = workMeter();
      const result = parse(unknownDependencies(2_000), meter);
      const unknown = only(result, "PLAN_UNKNOWN_DEPENDENCY");
      expect(unknown).toHaveLength(2_000);
      expect(unknown[1_999]?.line).toBe(secondLine(1_999));
      expect(meter.by.distance ?? 0).toBeGreaterThan(0);
      // Suggestions share one budget; everything else is linear.
      expect(meter.total()).toBeLessThan(SUGGEST_BUDGET + 1_000 * 2_000);
    },
    TIMEOUT,
  );

  it(
    "a 100,000-character unknown id gets no edit-distance scan and a shortened message",
    () => {
      const meter = workMeter();
      const result = parse(hugeUnknownId(1_000), meter);
      const [d] = only(result, "PLAN_UNKNOWN_DEPENDENCY");
      expect(codes(result.diagnostics)).toEqual(["PLAN_UNKNOWN_DEPENDENCY"]);
      expect(d?.line).toBe(10);
      expect(d?.message).toContain("100,000 characters");
      expect(d?.message.length).toBeLessThan(400);
      expect(d?.message).not.toContain("Did you mean");
      expect(meter.total()).toBeLessThan(10 * 1_000);
    },
    TIMEOUT,
  );

  it(
    "5,000 unknown keys in one mapping: the first ones listed, the rest summarised",
    () => {
      const meter = workMeter();
      const result = parse(unknownKeys(5_000), meter);
      const keys = only(result, "PLAN_UNKNOWN_KEY");
      expect(keys).toHaveLength(21);
      expect(keys[0]?.line).toBe(9);
      expect(keys[20]?.message).toBe(
        "4,980 more PLAN_UNKNOWN_KEY warnings like the ones above, from line 29 to line 5,008",
      );
      expect(keys[20]?.line).toBe(29);
      expect(meter.by.locate ?? 0).toBeGreaterThan(0);
      expect(meter.total()).toBeLessThan(100 * 5_000);
    },
    TIMEOUT,
  );
});
