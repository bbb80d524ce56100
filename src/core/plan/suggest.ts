/**
 * "Did you mean …" for misspelled keys and stage ids, and a slug for ids that break the rules.
 */
import { STAGE_ID_MAX_LENGTH } from "../stage/id.ts";

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

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a likely typo.
 * Close enough: at most a third of the longer word changed (at least 2 edits allowed), or, for
 * words of 3+ characters, one containing the other (`api` → `stage-2-api`).
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates]; // iterated twice below
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of list) {
    if (candidate === word) continue;
    const distance = levenshtein(lower, candidate.toLowerCase());
    const limit = Math.max(2, Math.floor(Math.max(word.length, candidate.length) / 3));
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined || lower.length < 3) return best;
  for (const candidate of list) {
    if (candidate === word) continue;
    const other = candidate.toLowerCase();
    if (other.includes(lower) || (other.length >= 3 && lower.includes(other))) return candidate;
  }
  return undefined;
}

/** ` Did you mean "x"?`, or "" when nothing is close. Meant to be appended to a message. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closest(word, candidates);
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
