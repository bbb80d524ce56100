/**
 * Do two stages' `files` globs possibly touch the same path? Deciding whether two globs share
 * a match exactly is hard in general; this approximates it the cheap way: make a few concrete
 * sample paths from each glob and test them against the other glob with picomatch. It can miss
 * exotic overlaps (extglobs, negated classes) but never reports two disjoint literal paths.
 */
import picomatch from "picomatch";

/** Dotfiles count: `src/**` does claim `src/.env`. */
const matchOptions = { dot: true } as const;
/** Brace expansion multiplies; past this many samples the rest adds little. */
const MAX_SAMPLES = 64;

function normalize(glob: string): string {
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

/** True when some path could match both globs (see the module comment for the approximation). */
export function globsOverlap(a: string, b: string): boolean {
  const left = normalize(a);
  const right = normalize(b);
  if (left === right) return true;
  const matchLeft = picomatch(left, matchOptions);
  const matchRight = picomatch(right, matchOptions);
  return (
    samplePaths(right).some((p) => matchLeft(p)) || samplePaths(left).some((p) => matchRight(p))
  );
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
