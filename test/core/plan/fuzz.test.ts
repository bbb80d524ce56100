/**
 * The plan fuzzer: seeded random mutants of valid plans (deleted fields, wrong types, huge and
 * unicode strings, duplicate ids, random dependencies and cycles, odd globs, YAML oddities)
 * and the shapes that once broke validation at scale. Whatever the input, parsePlan returns
 * diagnostics (never throws), every line it names is inside the file, and its counted work
 * stays under a generous bound per stage. A failure prints fast-check's seed and path; rerun
 * with FLUX_FUZZ_SEED=<seed> to reproduce it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  boundedDistance,
  globsOverlap,
  levenshtein,
  overlappingClasses,
  parsePlan,
} from "../../../src/core/plan/index.ts";
import { SUGGEST_BUDGET } from "../../../src/core/plan/validate.ts";
import { workMeter } from "./helpers.ts";
import { lineCount, planFile, SHAPES } from "./shapes.ts";

const SEED = Number(process.env.FLUX_FUZZ_SEED ?? 20_251_205);
/** Counted steps allowed per stage (and per line of the file), beyond the suggestion budget. */
const WORK_PER_STAGE = 2_000;

function assertSane(text: string, stages: number): void {
  const meter = workMeter();
  const result = parsePlan(text, "doc/plans/fuzz.md", { meter });
  expect(Array.isArray(result.diagnostics)).toBe(true);
  const lines = lineCount(text);
  for (const d of result.diagnostics) {
    expect(typeof d.code).toBe("string");
    if (d.line !== undefined) {
      expect(d.line, d.message).toBeGreaterThanOrEqual(1);
      expect(d.line, d.message).toBeLessThanOrEqual(lines);
    }
  }
  expect(result.plan === undefined).toBe(result.diagnostics.some((d) => d.severity === "error"));
  expect(meter.total()).toBeLessThanOrEqual(SUGGEST_BUDGET + WORK_PER_STAGE * (stages + lines + 1));
}

const idChars = fc.constantFrom(..."abcdefgh-0123_ A.é🙂");
const ids = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("a", "b", "c", "d", "e", "api", "list") },
  { weight: 2, arbitrary: fc.string({ unit: idChars, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom("x".repeat(300), "y".repeat(5_000), "") },
);
const globs = fc.oneof(
  fc.constantFrom(
    "src/**",
    "src/*.ts",
    "src/a.ts",
    "{src,test}/**/*.{ts,tsx}",
    "docs/[ab]*.md",
    "!(x)/**",
    "**/*",
    "*",
    "",
    "./",
    " ",
    "src/{a}",
    "src\\*",
    "a".repeat(5_000),
  ),
  fc.string({ unit: fc.constantFrom(..."ab/*?{},[]!.\\ "), maxLength: 16 }),
);
/** Values a field may wrongly hold. */
const junk = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.string({ maxLength: 8 }),
  fc.constant("z".repeat(2_000)),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
);

const stage = fc.record(
  {
    id: fc.oneof({ weight: 8, arbitrary: ids }, { weight: 1, arbitrary: junk }),
    name: fc.string({ maxLength: 20 }),
    dependencies: fc.oneof(
      { weight: 6, arbitrary: fc.array(ids, { maxLength: 4 }) },
      { weight: 1, arbitrary: junk },
    ),
    files: fc.oneof(
      { weight: 6, arbitrary: fc.array(globs, { maxLength: 3 }) },
      { weight: 1, arbitrary: junk },
    ),
    agent: fc.constantFrom("claude", "codex", "command", "gpt"),
    merge: fc.constantFrom("auto", "pr", "squash"),
    timeout: fc.constantFrom("30m", "1h30m", "soon", "99999999d"),
    parallel_group: fc.constantFrom("g", "h", null),
    acceptance: fc.array(fc.oneof(fc.string({ maxLength: 10 }), junk), { maxLength: 2 }),
    dependecies: junk,
    stack: fc.boolean(),
  },
  { requiredKeys: [] },
);

const metadata = fc.record(
  {
    version: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: junk }),
    stages: fc.oneof(
      { weight: 8, arbitrary: fc.array(stage, { maxLength: 25 }) },
      { weight: 1, arbitrary: junk },
    ),
    defaults: fc.oneof(fc.record({ agent: fc.constantFrom("codex", "command") }), junk),
    groups: fc.dictionary(fc.constantFrom("g", "h", "gg"), fc.record({ max_parallel: junk })),
    colour: junk,
  },
  { requiredKeys: ["stages"] },
);

/** Text-level damage a hand-edited YAML block may have. */
const damage = fc.oneof(
  fc.constant((t: string) => t),
  fc.constant((t: string) => t.replace(/ {2}/, "\t")),
  fc.constant((t: string) => t.replace(/\n/, "\n---\n")),
  fc.constant((t: string) => `anchor: &a {x: 1}\n${t}\nalias: *a\n<<: *a`),
  fc.constant((t: string) => t.replace(/"/, "")),
  fc.constant((t: string) => t.slice(0, Math.floor(t.length / 2))),
  fc.constant((t: string) => t.replace(/- /g, "-  ")),
);

describe("plan fuzzer", () => {
  it("property: mutants of plans give diagnostics, never a throw, in bounded work", () => {
    fc.assert(
      fc.property(metadata, damage, (flux, hurt) => {
        const yaml = hurt(stringify({ flux }, { lineWidth: 0 }));
        const text = `# Fuzz\n\n<!-- FLUX METADATA -->\n\`\`\`yaml\n${yaml}\n\`\`\`\n`;
        const stages = Array.isArray(flux.stages) ? flux.stages.length : 0;
        assertSane(text, stages);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("property: cycles and random dependencies among many stages", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 800 }),
        fc.array(fc.tuple(fc.nat(), globs), { maxLength: 400 }),
        (n, edges, files) => {
          const deps = Array.from({ length: n }, () => new Set<string>());
          for (const [a, b] of edges) deps[a % n]?.add(`s-${b % (n + 5)}`);
          const globsOf = Array.from({ length: n }, () => [] as string[]);
          for (const [a, g] of files) globsOf[a % n]?.push(g);
          const lines = deps.flatMap((d, i) => [
            `    - id: s-${i}`,
            `      dependencies: ${JSON.stringify([...d])}`,
            `      files: ${JSON.stringify(globsOf[i])}`,
          ]);
          assertSane(planFile(lines), n);
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it("property: the structured shapes at moderate sizes", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SHAPES), fc.integer({ min: 1, max: 600 }), (shape, n) => {
        assertSane(shape.plan(n), n);
      }),
      { seed: SEED, numRuns: 25 },
    );
  });
});

describe("the fast paths agree with the plain ones", () => {
  const smallGlob = fc.oneof(
    fc.constantFrom("src/**", "src/*.ts", "src/a/**", "{src,lib}/*.ts", "*.md", "lib/{a,b}.ts"),
    fc.string({ unit: fc.constantFrom(..."ab/*?{},.["), maxLength: 10 }),
  );

  it("property: overlappingClasses finds exactly the pairs that globsOverlap finds", () => {
    fc.assert(
      fc.property(fc.uniqueArray(smallGlob, { maxLength: 12 }), (list) => {
        const globs = list.map((g) => g.trim().replace(/^(\.\/)+/, "")).filter((g) => g !== "");
        const unique = [...new Set(globs)];
        const naive: Array<[number, number]> = [];
        unique.forEach((a, i) =>
          unique.forEach((b, j) => {
            if (i < j && globsOverlap(a, b)) naive.push([i, j]);
          }),
        );
        expect(overlappingClasses(unique, Infinity).pairs).toEqual(naive);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("property: boundedDistance is the edit distance, capped at limit + 1", () => {
    const word = fc.string({ unit: fc.constantFrom(..."abcd-"), maxLength: 12 });
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 6 }), (a, b, limit) => {
        expect(boundedDistance(a, b, limit)).toBe(Math.min(levenshtein(a, b), limit + 1));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
