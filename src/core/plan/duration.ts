/** Durations as plans write them: `90s`, `30m`, `2h`, `1h30m`, `500ms`. */

const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const part = /(\d+)(ms|s|m|h|d)/gy;

/**
 * The longest duration Flux takes (a stage timeout, a deadline): a year. Longer is a mistake
 * (`99999999d` would overflow into Infinity), and timers past setTimeout's limit are chained.
 */
export const MAX_DURATION_MS = 365 * unitMs.d;
export const MAX_DURATION_TEXT = "365d";

/** Milliseconds, or undefined when the text is not a duration (or longer than MAX_DURATION_MS). */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  part.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = part.exec(trimmed); m !== null; m = part.exec(trimmed)) {
    total += Number(m[1]) * unitMs[m[2] as keyof typeof unitMs];
    consumed = part.lastIndex;
  }
  if (consumed !== trimmed.length || !Number.isFinite(total) || total > MAX_DURATION_MS)
    return undefined;
  return total;
}

/** The shortest way to write a duration: 5400000 → `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const unit of ["d", "h", "m", "s"] as const) {
    const n = Math.floor(rest / unitMs[unit]);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * unitMs[unit];
  }
  if (rest > 0) out += `${rest}ms`;
  return out;
}
