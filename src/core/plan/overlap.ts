/**
 * Do two stages' `files` globs possibly touch the same path? Deciding whether two globs share
 * a match exactly is hard in general; this approximates it the cheap way: make a few concrete
 * sample paths from each glob and test them against the other glob with picomatch. It can miss
 * exotic overlaps (extglobs, negated classes) but never reports two disjoint literal paths.
 *
 * At scale (thousands of globs) comparing every pair is quadratic, so `overlappingClasses`
 * only compares globs whose literal prefixes are compatible: a path a glob matches starts with
 * the glob's text up to its first special character, so `src/a/**` and `docs/**` can never
 * share one. Sorted prefixes make those candidates a walk with a stack, and each glob's
 * matcher and samples are built once. A budget caps the comparisons for the rare plan whose
 * globs all start with a wildcard.
 */
import picomatch from "picomatch";
import type { WorkMeter } from "./work.ts";
import { NO_METER } from "./work.ts";

/** Dotfiles count: `src/**` does claim `src/.env`. */
const matchOptions = { dot: true } as const;
/** Brace expansion multiplies; past this many samples the rest adds little. */
const MAX_SAMPLES = 64;
/** Longest glob checked. Linux paths stop at 4,096 bytes, and picomatch throws past 65,536. */
export const MAX_GLOB_LENGTH = 4096;

/** Why a glob cannot be compared, or undefined when it can. */
export function globProblem(glob: string): "empty" | "too-long" | undefined {
  if (glob.length > MAX_GLOB_LENGTH) return "too-long";
  return normalize(glob) === "" ? "empty" : undefined;
}

export function normalize(glob: string): string {
  return glob.trim().replace(/^(\.\/)+/, "");
}

/** Expands the first top-level `{a,b}` group, recursively, so `{a,b}/{c,d}` gives four paths. */
function expandBraces(glob: string): string[] {
  const open = glob.indexOf("{");
  if (open === -1) return [glob];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < glob.length; i++) {
    const c = glob[i];
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) {
      const head = glob.slice(0, open);
      const tail = glob.slice(i + 1);
      const bounds = [open, ...commas, i];
      const out: string[] = [];
      for (let k = 0; k + 1 < bounds.length && out.length < MAX_SAMPLES; k++) {
        const alternative = glob.slice((bounds[k] ?? 0) + 1, bounds[k + 1]);
        out.push(...expandBraces(head + alternative + tail));
      }
      return out.slice(0, MAX_SAMPLES);
    } else if (c === "," && depth === 1) commas.push(i);
  }
  return [glob]; // unbalanced: a literal brace
}

/** A character a negated class `[!body]` accepts. Ranges inside `body` are read loosely. */
function outside(body: string): string {
  return [..."xyzq_0"].find((c) => !body.includes(c)) ?? "~";
}

/** One concrete path per brace alternative, e.g. `src/**\/*.{ts,tsx}` → `src/x.ts`, `src/x.tsx`. */
export function samplePaths(glob: string): string[] {
  return expandBraces(normalize(glob)).map((g) =>
    g
      .replace(/\[([!^]?)(\]?[^\]]*)\]/g, (_, negated: string, body: string) =>
        negated === "" ? body.charAt(0) || "x" : outside(body),
      )
      .replace(/\*\*\//g, "")
      .replace(/\*\*/g, "x")
      .replace(/\*/g, "x")
      .replace(/\?/g, "x"),
  );
}

/** A normalised glob with its matcher and samples, each built once and only when needed. */
class Glob {
  #matcher: ((path: string) => boolean) | undefined;
  #samples: string[] | undefined;
  constructor(readonly text: string) {}
  get matcher(): (path: string) => boolean {
    return (this.#matcher ??= picomatch(this.text, matchOptions));
  }
  get samples(): string[] {
    return (this.#samples ??= samplePaths(this.text));
  }
  overlaps(other: Glob): boolean {
    if (this.text === other.text) return true;
    return other.samples.some((p) => this.matcher(p)) || this.samples.some((p) => other.matcher(p));
  }
}

/** True when some path could match both globs (see the module comment for the approximation). */
export function globsOverlap(a: string, b: string): boolean {
  return new Glob(normalize(a)).overlaps(new Glob(normalize(b)));
}

/** Characters after which a glob's text no longer says what a matching path starts with. */
const SPECIAL = /[*?[\]{}()!+@|\\]/;

/**
 * Texts every path the glob matches starts with one of: one per brace alternative when the
 * braces are plain `{a,b}` lists, else the glob's text up to its first special character.
 */
export function literalPrefixes(glob: string): string[] {
  const text = normalize(glob);
  const cut = (g: string): string => {
    const at = g.search(SPECIAL);
    return at === -1 ? g : g.slice(0, at);
  };
  const alternatives = text.includes("\\") ? [text] : expandBraces(text);
  // Expansion that picomatch might read otherwise (a lone `{a}`, a capped list) stays whole.
  if (alternatives.length < 2 || alternatives.length >= MAX_SAMPLES) return [cut(text)];
  return [...new Set(alternatives.map(cut))];
}

export interface OverlapSearch {
  /** Index pairs [i, j], i < j, of globs that may match a common path. */
  pairs: Array<[number, number]>;
  /** Comparisons made; more than the budget means the search stopped early. */
  compared: number;
  /** Whether the budget ran out before every candidate pair was compared. */
  stopped: boolean;
}

/**
 * Which of `globs` (distinct, already normalised and free of globProblem) may overlap, comparing
 * only globs with compatible literal prefixes, and at most `budget` pairs.
 */
export function overlappingClasses(
  globs: readonly string[],
  budget: number,
  meter: WorkMeter = NO_METER,
): OverlapSearch {
  const parsed = globs.map((g) => new Glob(g));
  const entries = globs.flatMap((g, index) =>
    literalPrefixes(g).map((prefix) => ({ prefix, index })),
  );
  entries.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : a.index - b.index));
  const seen = new Set<number>();
  const pairs: Array<[number, number]> = [];
  const stack: Array<{ prefix: string; index: number }> = [];
  let compared = 0;
  let stopped = false;
  for (const entry of entries) {
    // The stack holds the entries whose prefix is a prefix of this one's, in sorted order.
    while (stack.length > 0 && !entry.prefix.startsWith(stack[stack.length - 1]?.prefix ?? "")) {
      stack.pop();
    }
    meter.count("globs", stack.length + 1);
    for (const other of stack) {
      if (other.index === entry.index) continue;
      const i = Math.min(other.index, entry.index);
      const j = Math.max(other.index, entry.index);
      const key = i * globs.length + j;
      if (seen.has(key)) continue;
      seen.add(key);
      if (++compared > budget) {
        stopped = true;
        break;
      }
      const [a, b] = [parsed[i], parsed[j]];
      if (a !== undefined && b !== undefined && a.overlaps(b)) pairs.push([i, j]);
    }
    if (stopped) break;
    stack.push(entry);
  }
  pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return { pairs, compared: Math.min(compared, budget), stopped };
}

/** Every pair (one glob from each list) that may match a common path, in list order. */
export function overlappingGlobs(
  a: readonly string[],
  b: readonly string[],
): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const x of a) for (const y of b) if (globsOverlap(x, y)) pairs.push([x, y]);
  return pairs;
}
