/**
 * A count of the steps validation takes in the loops that could grow faster than the plan
 * (edit distances, glob comparisons, overlap pairs, reachability, key lookups). Tests and the
 * fuzzer pass a meter and bound the total per stage, so a quadratic regression fails on any
 * machine instead of only on a slow one.
 */

export type WorkKind = "distance" | "globs" | "pairs" | "reach" | "locate";

export interface WorkMeter {
  /** Adds `steps` (≥ 0) of `kind`. */
  count(kind: WorkKind, steps: number): void;
}

export const NO_METER: WorkMeter = { count: () => undefined };

/** `12,345`: counts in messages are read by people. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** A value in quotes; one too long to print whole is cut: `"xxxx…" (100,000 characters)`. */
export function quote(text: string, max = 80): string {
  return text.length <= max
    ? `"${text}"`
    : `"${text.slice(0, max - 1)}…" (${formatCount(text.length)} characters)`;
}
