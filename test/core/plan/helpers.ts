/** Fixture loading for the plan tests: files under test/fixtures/plans, or YAML written inline. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Diagnostic } from "../../../src/core/diagnostics.ts";
import type { ParseResult, WorkKind } from "../../../src/core/plan/index.ts";
import { parsePlan } from "../../../src/core/plan/index.ts";

const fixtures = new URL("../../fixtures/plans/", import.meta.url);

export function readFixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(name, fixtures)), "utf8");
}

/** Parses a fixture under the path a user would see, so `file` can be asserted. */
export function parseFixture(name: string): ParseResult {
  return parsePlan(readFixture(name), `doc/plans/${name}`);
}

/** A plan whose metadata is `yaml`, fenced: YAML line n is file line n + 5. */
export function planWith(yaml: string): string {
  return `# Inline plan\n\nSome overview.\n<!-- FLUX METADATA -->\n\`\`\`yaml\n${yaml}\n\`\`\`\n`;
}

export function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}

export function errors(result: ParseResult): Diagnostic[] {
  return result.diagnostics.filter((d) => d.severity === "error");
}

/** Sums the steps validation reports, by kind. */
export function workMeter(): {
  by: Partial<Record<WorkKind, number>>;
  total: () => number;
  count: (kind: WorkKind, steps: number) => void;
} {
  const by: Partial<Record<WorkKind, number>> = {};
  return {
    by,
    total: () => Object.values(by).reduce((a, b) => a + b, 0),
    count: (kind, steps) => {
      by[kind] = (by[kind] ?? 0) + steps;
    },
  };
}
