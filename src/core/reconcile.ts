/**
 * What changes when a plan is applied again: stages added, removed and changed, and which of
 * those changes touch stages that already started (those need `--force`).
 */
import type { Stage } from "./plan/model.ts";
import type { StageState } from "./stage/states.ts";
import { UNSTARTED_STATES } from "./stage/states.ts";

export interface ExistingStage {
  id: string;
  state: StageState;
  spec: Stage;
}

export interface StageChange {
  id: string;
  state: StageState;
  /** The stage fields whose values differ, e.g. ["acceptance", "dependencies"]. */
  fields: string[];
}

export interface PlanDiff {
  added: Stage[];
  removed: { id: string; state: StageState }[];
  changed: StageChange[];
  unchanged: string[];
  /** Removals and changes of stages past `ready`: refused unless forced. */
  refused: { id: string; state: StageState; change: "removed" | "changed" }[];
}

/** Field-by-field comparison of two resolved stages; `line` is where it is, not what it is. */
export function changedFields(before: Stage, after: Stage): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  keys.delete("line");
  const fields: string[] = [];
  for (const key of [...keys].sort()) {
    const a = JSON.stringify(before[key as keyof Stage]);
    const b = JSON.stringify(after[key as keyof Stage]);
    if (a !== b) fields.push(key);
  }
  return fields;
}

export function diffPlan(existing: readonly ExistingStage[], next: readonly Stage[]): PlanDiff {
  const before = new Map(existing.map((s) => [s.id, s]));
  const nextIds = new Set(next.map((s) => s.id));
  const diff: PlanDiff = { added: [], removed: [], changed: [], unchanged: [], refused: [] };
  for (const stage of next) {
    const old = before.get(stage.id);
    if (old === undefined) {
      diff.added.push(stage);
      continue;
    }
    const fields = changedFields(old.spec, stage);
    if (fields.length === 0) {
      diff.unchanged.push(stage.id);
      continue;
    }
    diff.changed.push({ id: stage.id, state: old.state, fields });
    if (!UNSTARTED_STATES.has(old.state)) {
      diff.refused.push({ id: stage.id, state: old.state, change: "changed" });
    }
  }
  for (const old of existing) {
    if (nextIds.has(old.id)) continue;
    diff.removed.push({ id: old.id, state: old.state });
    if (!UNSTARTED_STATES.has(old.state) && old.state !== "skipped" && old.state !== "cancelled") {
      diff.refused.push({ id: old.id, state: old.state, change: "removed" });
    }
  }
  return diff;
}

export function isEmptyDiff(diff: PlanDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}
