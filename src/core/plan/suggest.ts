/**
 * "Did you mean …" for misspelled keys and stage ids, and a slug for ids that break the rules.
 */
import { STAGE_ID_MAX_LENGTH } from "../stage/id.ts";
import type { WorkMeter } from "./work.ts";
import { NO_METER } from "./work.ts";

/** Edit distance (insertions, deletions, substitutions), two rows at a time. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Words longer than this get no suggestion: ids have at most 63 characters, keys fewer. */
export const MAX_SUGGEST_LENGTH = 128;

/**
 * The work suggestions may take in one validation, shared by all of them: a plan with
 * thousands of unknown names gets "did you mean" for the first ones, not quadratic time.
 * Each candidate looked at and each edit-distance cell costs one step.
 */
export class SuggestBudget {
  #left: number;
  readonly #meter: WorkMeter;
  constructor(steps: number, meter: WorkMeter = NO_METER) {
    this.#left = steps;
    this.#meter = meter;
  }
  /** Spends `steps`; false once the budget is exhausted. */
  spend(steps: number): boolean {
    this.#meter.count("distance", steps);
    this.#left -= steps;
    return this.#left >= 0;
  }
  get exhausted(): boolean {
    return this.#left < 0;
  }
}

/**
 * Edit distance when it is at most `limit`, else `limit + 1`: only the diagonal band of width
 * 2·limit + 1 is computed, and the scan stops once a whole row exceeds the limit.
 */
export function boundedDistance(
  a: string,
  b: string,
  limit: number,
  spend: (cells: number) => void = () => undefined,
): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (a === b) return 0;
  const far = limit + 1;
  let previous = new Int32Array(b.length + 1).fill(far);
  let current = new Int32Array(b.length + 1).fill(far);
  for (let j = 0; j <= Math.min(b.length, limit); j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const lo = Math.max(1, i - limit);
    const hi = Math.min(b.length, i + limit);
    current[lo - 1] = lo === 1 ? i : far;
    let rowMin = current[lo - 1] ?? far;
    for (let j = lo; j <= hi; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? far) + 1,
        (current[j - 1] ?? far) + 1,
        (previous[j - 1] ?? far) + cost,
      );
      current[j] = Math.min(value, far);
      rowMin = Math.min(rowMin, value);
    }
    if (hi + 1 <= b.length) current[hi + 1] = far;
    spend(hi - lo + 1);
    if (rowMin > limit) return far;
    [previous, current] = [current, previous];
  }
  return Math.min(previous[b.length] ?? far, far);
}

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a likely typo.
 * Close enough: at most a third of the longer word changed (at least 2 edits allowed), or, for
 * words of 3+ characters, one containing the other (`api` → `stage-2-api`). Words over
 * MAX_SUGGEST_LENGTH get none; with a `budget`, none either once it is spent.
 */
export function closest(
  word: string,
  candidates: Iterable<string>,
  budget: SuggestBudget = new SuggestBudget(Infinity),
): string | undefined {
  if (word.length > MAX_SUGGEST_LENGTH || budget.exhausted) return undefined;
  const list = Array.isArray(candidates) ? (candidates as readonly string[]) : [...candidates];
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  let spent = 0;
  const spend = (cells: number): void => {
    spent += cells;
  };
  // Spent in batches, so that a long scan stops soon after the budget runs out.
  const flush = (): boolean => {
    const ok = budget.spend(spent);
    spent = 0;
    return ok;
  };
  for (const candidate of list) {
    spent += 1;
    if (candidate === word || candidate.length > MAX_SUGGEST_LENGTH) continue;
    const limit = Math.min(
      Math.max(2, Math.floor(Math.max(word.length, candidate.length) / 3)),
      bestDistance - 1,
    );
    if (limit < 0) continue;
    const distance = boundedDistance(lower, candidate.toLowerCase(), limit, spend);
    if (distance <= limit) {
      best = candidate;
      bestDistance = distance;
    }
    if (spent >= 1024 && !flush()) return undefined;
  }
  if (!flush()) return undefined;
  if (best !== undefined || lower.length < 3) return best;
  for (const candidate of list) {
    if (candidate === word || candidate.length > MAX_SUGGEST_LENGTH) continue;
    spent += 1 + candidate.length;
    const other = candidate.toLowerCase();
    if (other.includes(lower) || (other.length >= 3 && lower.includes(other))) {
      return flush() ? candidate : undefined;
    }
  }
  flush();
  return undefined;
}

/** ` Did you mean "x"?`, or "" when nothing is close. Meant to be appended to a message. */
export function didYouMean(
  word: string,
  candidates: Iterable<string>,
  budget?: SuggestBudget,
): string {
  const match = closest(word, candidates, budget);
  return match === undefined ? "" : ` Did you mean "${match}"?`;
}

/**
 * A valid stage id made from any text: lowercase, runs of other characters become one dash,
 * trimmed to the id length limit. Returns "" when nothing usable is left.
 */
export function slugify(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, STAGE_ID_MAX_LENGTH)
    .replace(/-+$/, "");
}
