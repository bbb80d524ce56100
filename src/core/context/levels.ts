/**
 * How full a session's context is (DESIGN.md §4): the tokens in use after the last main-thread
 * model call, over the model's window, and the level that decides what Flux does about it.
 *
 * - green  below `warn` (60 %): nothing.
 * - yellow from `warn`: Flux watches each tool call closely (the Claude hook stops skipping).
 * - red    from `handoff` (75 %): the agent is told to commit, write its handoff and stop.
 * - limit  from `hard` (90 %): Flux stops the session before its next tool and writes the
 *          handoff itself (the backstop).
 *
 * Pure: the thresholds come from the settings (`[context]`), the plan's `defaults.context` and
 * the stage's `context`, most specific first.
 */

export const CONTEXT_LEVELS = ["green", "yellow", "red", "limit"] as const;
export type ContextLevel = (typeof CONTEXT_LEVELS)[number];

export interface ContextThresholds {
  /** Percent at which the level turns yellow. */
  warn: number;
  /** Percent at which the agent is told to hand off (red). */
  handoff: number;
  /** Percent at which Flux stops the session and hands off itself. */
  hard: number;
}

export const DEFAULT_THRESHOLDS: ContextThresholds = { warn: 60, handoff: 75, hard: 90 };

/** The window when nothing better is known (DESIGN.md §4). */
export const DEFAULT_WINDOW = 200_000;
/** Models whose name ends in `[1m]` have a million-token window. */
export const LONG_WINDOW = 1_000_000;

/** Context settings at one layer; every key optional. */
export interface ContextLayer {
  window?: number | undefined;
  warn?: number | undefined;
  handoff?: number | undefined;
  hard?: number | undefined;
}

export interface ContextPolicy extends ContextThresholds {
  /** The window the settings name, if any (a CLI's own report wins over it). */
  window: number | undefined;
}

/**
 * The thresholds and configured window of one stage: later layers win key by key. Thresholds
 * that are out of order are put in order (warn ≤ handoff ≤ hard), never silently dropped: a
 * stage that sets `handoff: 95` hands off at 95 and its hard limit rises with it.
 */
export function contextPolicy(...layers: (ContextLayer | undefined)[]): ContextPolicy {
  const merged: ContextLayer = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const key of ["window", "warn", "handoff", "hard"] as const) {
      if (layer[key] !== undefined) merged[key] = layer[key];
    }
  }
  const handoff = merged.handoff ?? DEFAULT_THRESHOLDS.handoff;
  const hard = Math.max(merged.hard ?? DEFAULT_THRESHOLDS.hard, handoff);
  const warn = Math.min(merged.warn ?? DEFAULT_THRESHOLDS.warn, handoff);
  return { window: merged.window, warn, handoff, hard };
}

/**
 * The window to divide by: what the CLI reported for this session, else the settings, else
 * 1M for a `[1m]` model, else 200k.
 */
export function contextWindow(input: {
  reported?: number | null | undefined;
  configured?: number | undefined;
  model?: string | null | undefined;
}): number {
  if (input.reported !== undefined && input.reported !== null && input.reported > 0)
    return input.reported;
  if (input.configured !== undefined) return input.configured;
  if (input.model?.toLowerCase().endsWith("[1m]") === true) return LONG_WINDOW;
  return DEFAULT_WINDOW;
}

/** Whole percent, rounded down: 74.9 % is still yellow. */
export function contextPercent(tokens: number, window: number): number {
  if (window <= 0) return 0;
  return Math.floor((tokens * 100) / window);
}

export function contextLevel(percent: number, thresholds: ContextThresholds): ContextLevel {
  if (percent >= thresholds.hard) return "limit";
  if (percent >= thresholds.handoff) return "red";
  if (percent >= thresholds.warn) return "yellow";
  return "green";
}

/** One session's context health, as status, lists and projections show it. */
export interface ContextHealth {
  tokens: number;
  window: number;
  percent: number;
  level: ContextLevel;
}

export function contextHealth(
  tokens: number | null | undefined,
  window: number,
  thresholds: ContextThresholds,
): ContextHealth | undefined {
  if (tokens === null || tokens === undefined) return undefined;
  const percent = contextPercent(tokens, window);
  return { tokens, window, percent, level: contextLevel(percent, thresholds) };
}

/** "45% (green)", "92% (over the 90% limit)". */
export function describeContext(health: ContextHealth, thresholds: ContextThresholds): string {
  if (health.level === "limit") return `${health.percent}% (over the ${thresholds.hard}% limit)`;
  return `${health.percent}% (${health.level})`;
}
