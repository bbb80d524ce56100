/**
 * Plan files of the shapes that once broke validation at scale (thrown errors, quadratic time),
 * generated at any size. The regression tests and the fuzzer use them at moderate sizes;
 * bench/validate times them at 10,000 stages.
 */

export interface Shape {
  name: string;
  /** What the shape stresses, for the bench's output. */
  about: string;
  plan: (stages: number) => string;
}

/** A plan file around `stageLines` (YAML list items under `stages:`), plus `extra` flux keys. */
export function planFile(stageLines: string[], extra: string[] = []): string {
  return [
    "# Generated plan",
    "",
    "<!-- FLUX METADATA -->",
    "",
    "```yaml",
    "flux:",
    "  version: 1",
    ...extra,
    "  stages:",
    ...stageLines,
    "```",
    "",
  ].join("\n");
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `s-${i}`);

/** Stage i depends on stage i + 1: every dependency is listed before it is declared. */
export function chainDependentFirst(n: number): string {
  return planFile(
    ids(n).flatMap((id, i) => [
      `    - id: ${id}`,
      `      dependencies: [${i + 1 < n ? `s-${i + 1}` : ""}]`,
    ]),
  );
}

/** One cycle through every stage. */
export function bigCycle(n: number): string {
  return planFile(
    ids(n).flatMap((id, i) => [`    - id: ${id}`, `      dependencies: [s-${(i + 1) % n}]`]),
  );
}

/** `n` stages with no dependencies, all claiming the same files. */
export function sharedGlob(n: number, glob = "src/**"): string {
  return planFile(ids(n).flatMap((id) => [`    - id: ${id}`, `      files: ["${glob}"]`]));
}

/** Every stage depends on an id no stage has. */
export function unknownDependencies(n: number): string {
  return planFile(
    ids(n).flatMap((id, i) => [`    - id: ${id}`, `      dependencies: [missing-${i}]`]),
  );
}

/** Each stage its own directory, written with braces (no two overlap). */
export function braceGlobs(n: number): string {
  return planFile(
    ids(n).flatMap((id, i) => [
      `    - id: ${id}`,
      `      files: ["{src,test}/mod-${i}/**/*.{ts,tsx}", "docs/mod-${i}.{md,txt}"]`,
    ]),
  );
}

/** `n` stages; the first depends on an id of `length` characters. */
export function hugeUnknownId(n: number, length = 100_000): string {
  const lines = ids(n).map((id) => `    - id: ${id}`);
  lines.splice(1, 0, `      dependencies: [${"x".repeat(length)}]`);
  return planFile(lines);
}

/** `n` stages, and `n` keys Flux does not know in one mapping (`defaults:`). */
export function unknownKeys(n: number): string {
  const keys = Array.from({ length: n }, (_, i) => `    colour-${i}: red`);
  return planFile(
    ids(n).map((id) => `    - id: ${id}`),
    ["  defaults:", ...keys],
  );
}

export const SHAPES: readonly Shape[] = [
  { name: "chain, dependent first", about: "cycle search depth", plan: chainDependentFirst },
  { name: "one big cycle", about: "cycle search depth", plan: bigCycle },
  { name: "shared glob", about: "overlap pairs", plan: (n) => sharedGlob(n) },
  { name: "unknown dependencies", about: "did-you-mean scans", plan: unknownDependencies },
  { name: "brace globs", about: "glob comparisons", plan: braceGlobs },
  { name: "100k-character id", about: "edit distance", plan: (n) => hugeUnknownId(n) },
  { name: "unknown keys", about: "key lookups", plan: unknownKeys },
];

/** Every line a diagnostic may point at: 1 … the file's line count. */
export function lineCount(text: string): number {
  return text.split("\n").length;
}
