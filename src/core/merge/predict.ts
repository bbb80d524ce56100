/**
 * Predicted conflicts (pure): which branches in flight would collide when they merge, said
 * before either of them does, and in which order to merge stages that finish together.
 *
 * The engine lists the in-flight stages with their branch heads; `checksToRun` names the
 * pairs (every stage against the base and against each other) whose heads moved since the
 * last prediction — a pair whose two heads are unchanged keeps its old answer, so a timer
 * that finds nothing moved runs no git at all. The engine asks git (merge-tree) for those
 * pairs and `assemble` folds the answers into the new prediction.
 */

export interface InFlightStage {
  id: string;
  /** The commit the stage's branch points to. */
  head: string;
}

export interface BaseBranch {
  name: string;
  head: string;
}

/** One side of a check: a stage, or the base branch. */
export interface Side {
  /** A stage id, or the base branch's name when `base` is true. */
  name: string;
  base: boolean;
  head: string;
}

export interface Check {
  a: Side;
  b: Side;
}

export interface PredictedConflict extends Check {
  /** The paths both sides change in ways git cannot merge, sorted. */
  files: string[];
}

/** Every check that answers the prediction, by its two heads: the same heads, the same answer. */
export interface Prediction {
  checks: PredictedConflict[];
}

export const EMPTY_PREDICTION: Prediction = { checks: [] };

/** How many paths a sentence names before it says "and N more". */
const NAMED_FILES = 2;

/** A check's identity for reuse: its two heads, in order. */
export function checkKey(check: Check): string {
  return `${check.a.head}:${check.b.head}`;
}

/** The checks that make up a prediction: each stage against the base, then each pair of stages. */
export function allChecks(stages: readonly InFlightStage[], base: BaseBranch): Check[] {
  const sides = [...stages]
    .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
    .map((s): Side => ({ name: s.id, base: false, head: s.head }));
  const baseSide: Side = { name: base.name, base: true, head: base.head };
  const checks: Check[] = sides.map((a) => ({ a, b: baseSide }));
  for (let i = 0; i < sides.length; i++) {
    for (let j = i + 1; j < sides.length; j++) checks.push({ a: sides[i]!, b: sides[j]! });
  }
  return checks;
}

/** The checks whose heads the previous prediction has no answer for: the ones git must run. */
export function checksToRun(previous: Prediction, checks: readonly Check[]): Check[] {
  const known = new Set(previous.checks.map(checkKey));
  return checks.filter((c) => !known.has(checkKey(c)));
}

/**
 * The new prediction: each check answered by `fresh` (the paths git reported, keyed like the
 * checks it ran) or else by the previous prediction. A check answered by neither is left out,
 * so it runs again next time.
 */
export function assemble(
  previous: Prediction,
  checks: readonly Check[],
  fresh: ReadonlyMap<string, readonly string[]>,
): Prediction {
  const old = new Map(previous.checks.map((c) => [checkKey(c), c.files]));
  const out: PredictedConflict[] = [];
  for (const check of checks) {
    const files = fresh.get(checkKey(check)) ?? old.get(checkKey(check));
    if (files !== undefined) out.push({ ...check, files: [...files].sort() });
  }
  return { checks: out };
}

/** The checks that found conflicts: what status reports. */
export function conflicts(prediction: Prediction): PredictedConflict[] {
  return prediction.checks.filter((c) => c.files.length > 0);
}

/** "src/a.ts", "src/a.ts and src/b.ts", "src/a.ts, src/b.ts and 3 more". */
export function describeFiles(files: readonly string[]): string {
  if (files.length <= NAMED_FILES) return files.join(" and ");
  const named = files.slice(0, NAMED_FILES).join(", ");
  return `${named} and ${files.length - NAMED_FILES} more`;
}

/** "api and ui both change src/auth.ts" (the base is named by its branch). */
export function describeConflict(conflict: PredictedConflict): string {
  return `${conflict.a.name} and ${conflict.b.name} both change ${describeFiles(conflict.files)}`;
}

export interface ChangeSize {
  id: string;
  /** Lines added plus deleted against the base (binary files count as one line each). */
  lines: number;
  files: number;
}

/**
 * The order in which stages that are ready to merge together should merge: the smaller change
 * first (fewer lines, then fewer files, then by id), so the larger one, more likely to need
 * rework after a conflict, meets the base last and the small one is not held up by it.
 */
export function mergeOrder(sizes: readonly ChangeSize[]): string[] {
  return [...sizes]
    .sort(
      (x, y) => x.lines - y.lines || x.files - y.files || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0),
    )
    .map((s) => s.id);
}
