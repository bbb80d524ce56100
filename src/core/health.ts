/**
 * Health of live sessions and of the machine (the supervisor's health monitor and resource
 * monitor). Pure: the engine brings the clock, the session rows and the machine's readings.
 *
 * Warnings, each shown in `flux status` with what Flux did about it:
 * - `stalled`: alive, but no output, model call or hook for `[health] stalled` (10 minutes);
 * - `hung`: its process was gone while the store said it ran — Flux restarts the stage. Found
 *   within seconds by tmux's session-closed hook or the process backend's exit, and else,
 *   however the runner died, within three heartbeats by its lifeline (below);
 * - `long_running`: running for `[health] long_running` (60 minutes);
 * - `many_turns`: past `[health] many_turns` percent (80) of the stage's `max_turns`.
 *
 * Lifelines: a session's runner sends a heartbeat every `[health] heartbeat` (30 seconds) while
 * its agent runs. After LIFELINE_BEATS (3) periods with no heartbeat, start report, context
 * report or hook, the engine asks whether the session still lives: gone, it ends as lost and is
 * flagged `hung`; alive, it is only silent (a frozen runner, or one from before heartbeats),
 * which is `stalled`'s business, not the lifeline's.
 *
 * Throttling: no new session starts while free memory is below `[health] min_free_memory` or
 * the load per core is above `[health] max_load`.
 */

export const HEALTH_WARNINGS = ["stalled", "hung", "long_running", "many_turns"] as const;
export type HealthWarningKind = (typeof HEALTH_WARNINGS)[number];

export interface HealthWarning {
  kind: HealthWarningKind;
  /** When it was raised (ISO). */
  at: string;
  detail: string;
  /** What Flux did, or what it leaves to a human. */
  action: string;
}

export interface HealthSettings {
  stalledMs: number;
  longRunningMs: number;
  /** Percent of `max_turns`. */
  manyTurnsPercent: number;
  /** No session starts below this much free memory (bytes); undefined: no floor. */
  minFreeMemory: number | undefined;
  /** No session starts above this 1-minute load average per core; undefined: no ceiling. */
  maxLoad: number | undefined;
  /** How often a session's runner sends a heartbeat, in ms (at least MIN_HEARTBEAT_MS). */
  heartbeatMs: number;
}

export const DEFAULT_HEALTH: HealthSettings = {
  stalledMs: 10 * 60_000,
  longRunningMs: 60 * 60_000,
  manyTurnsPercent: 80,
  minFreeMemory: 256 * 1024 * 1024,
  maxLoad: undefined,
  // 50 sessions beating every 10 s cost the daemon ~2 % of a core (bench/daemon); every 30 s
  // ~0.7 %. The lifeline is the last of three ways a dead runner is found.
  heartbeatMs: 30_000,
};

/**
 * The shortest `[health] heartbeat`: shorter costs the daemon more requests per session than
 * finding a dead runner a second sooner is worth.
 */
export const MIN_HEARTBEAT_MS = 1_000;

/** Heartbeats a session may miss before the engine asks whether it still lives. */
export const LIFELINE_BEATS = 3;

/** How long a session may go unheard before the engine asks whether it lives (ms). */
export function lifelineMs(settings: HealthSettings): number {
  return LIFELINE_BEATS * settings.heartbeatMs;
}

/** When the lifeline of a session last heard at `lastHeard` lapses (epoch ms). */
export function lifelineAt(lastHeard: number, settings: HealthSettings): number {
  return lastHeard + lifelineMs(settings);
}

/** When a session whose last sign of life was `lastActivity` counts as stalled (epoch ms). */
export function stalledAt(lastActivity: number, settings: HealthSettings): number {
  return lastActivity + settings.stalledMs;
}

/** True when `turns` has reached `percent` of the stage's `max_turns` (none: never). */
export function manyTurns(turns: number, maxTurns: number | undefined, percent: number): boolean {
  return maxTurns !== undefined && maxTurns > 0 && turns * 100 >= maxTurns * percent;
}

export interface MachineReading {
  freeMemory: number;
  /** The 1-minute load average. */
  load1: number;
  cpus: number;
}

/** Why new sessions must wait for the machine, or undefined when they may start. */
export function throttleReason(
  reading: MachineReading,
  settings: HealthSettings,
): string | undefined {
  const floor = settings.minFreeMemory;
  if (floor !== undefined && reading.freeMemory < floor)
    return `free memory ${formatBytes(reading.freeMemory)} is below [health] min_free_memory ${formatBytes(floor)}`;
  const perCore = reading.load1 / Math.max(1, reading.cpus);
  if (settings.maxLoad !== undefined && perCore > settings.maxLoad)
    return `the load per core ${perCore.toFixed(2)} is above [health] max_load ${settings.maxLoad}`;
  return undefined;
}

const UNITS = [
  ["GiB", 1024 ** 3],
  ["MiB", 1024 ** 2],
  ["KiB", 1024],
] as const;

export function formatBytes(bytes: number): string {
  for (const [unit, size] of UNITS)
    if (bytes >= size) return `${(bytes / size).toFixed(bytes % size === 0 ? 0 : 1)} ${unit}`;
  return `${bytes} B`;
}

/** "512MiB", "2GiB", "1.5G", "800M", "4096" (bytes); undefined when it is none of those. */
export function parseBytes(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(B|K|KB|KiB|M|MB|MiB|G|GB|GiB)?\s*$/i.exec(text);
  if (match === null) return undefined;
  const unit = (match[2] ?? "B").toUpperCase()[0];
  const scale = unit === "G" ? 1024 ** 3 : unit === "M" ? 1024 ** 2 : unit === "K" ? 1024 : 1;
  return Math.round(Number(match[1]) * scale);
}

/** The warnings list with `warning` in place of any earlier one of its kind. */
export function withWarning(
  warnings: readonly HealthWarning[],
  warning: HealthWarning,
): HealthWarning[] {
  return [...warnings.filter((w) => w.kind !== warning.kind), warning];
}
