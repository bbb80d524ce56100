/**
 * Concurrency limits: which ready stages may start now, given what already holds a slot. A
 * global cap bounds every stage; a stage in a parallel group is also bounded by its group's cap.
 */
import type { StageState } from "../stage/states.ts";

/** States that hold a slot: a session is live (or acceptance runs for it, in `checking`). */
export const SLOT_STATES: ReadonlySet<StageState> = new Set([
  "running",
  "needs_handoff",
  "checking",
]);

export interface ConcurrencyLimits {
  /** Most stages holding a slot at once, across the plan: an integer ≥ 0, or Infinity. */
  maxParallel: number;
  /** Per-group caps, keyed by group name (a plan's `groups`). No cap: only the global one. */
  groups: Readonly<Record<string, { maxParallel?: number | undefined }>>;
}

export interface StartRequest {
  /** Ids that may start as far as dependencies go, in priority order (e.g. `readyStages`). */
  ready: readonly string[];
  /** Ids that hold a slot now (stages in SLOT_STATES). */
  running: readonly string[];
  limits: ConcurrencyLimits;
  /** The parallel group of a stage, or null for none. */
  groupOf: (id: string) => string | null;
}

/**
 * The ready ids that may start now, in their given order: greedily, each id that fits under the
 * global cap and its group's cap given `running` and the ids picked before it. Ids already
 * running and repeated ids are passed over. When `running` already exceeds a cap (a lowered
 * limit), nothing more starts there and nothing running is touched.
 */
export function pickStartable(request: StartRequest): string[] {
  const { ready, running, limits, groupOf } = request;
  checkLimit("maxParallel", limits.maxParallel);
  const inGroup = new Map<string, number>();
  const taken = new Set(running);
  for (const id of taken) {
    const group = groupOf(id);
    if (group !== null) inGroup.set(group, (inGroup.get(group) ?? 0) + 1);
  }
  let total = taken.size;
  const picked: string[] = [];
  for (const id of ready) {
    if (total >= limits.maxParallel) break;
    if (taken.has(id)) continue;
    const group = groupOf(id);
    if (group !== null) {
      const cap = limits.groups[group]?.maxParallel;
      if (cap !== undefined) checkLimit(`groups.${group}.maxParallel`, cap);
      const count = inGroup.get(group) ?? 0;
      if (cap !== undefined && count >= cap) continue;
      inGroup.set(group, count + 1);
    }
    taken.add(id);
    total += 1;
    picked.push(id);
  }
  return picked;
}

function checkLimit(name: string, value: number): void {
  if (!(value >= 0) || (!Number.isInteger(value) && value !== Infinity)) {
    throw new RangeError(`${name} must be an integer ≥ 0 or Infinity, got ${value}`);
  }
}
