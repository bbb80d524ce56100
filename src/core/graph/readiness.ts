/**
 * Readiness: which stages may start, and what the others wait on (DESIGN.md §2). A dependency
 * is satisfied when the upstream stage is `merged` or `skipped`, or — for a stacked stage
 * (`stack: true`: it starts from its one dependency's branch before that merges) — when the
 * upstream's acceptance passed: `completed`, `awaiting_verification` or `verified`. A human
 * gate on the upstream guards its merge into the base, not the branch a stacked dependent
 * builds on; the dependent never merges before its upstream (engine/stack.ts), and a
 * rejected upstream moves its branch, which restacks the dependent.
 */
import { stageNotFound } from "../errors.ts";
import { SATISFYING_STATES } from "../stage/states.ts";
import type { StageState } from "../stage/states.ts";
import { adjacency } from "./nodes.ts";
import type { GraphNode } from "./nodes.ts";

export interface ReadinessOptions {
  /** Ids of the stacked stages (`stack: true`: the dependent's field). Default: none. */
  stacked?: ReadonlySet<string> | undefined;
}

/** States of the upstream that satisfy a stacked dependent, besides SATISFYING_STATES. */
export const STACKED_STATES: ReadonlySet<StageState> = new Set([
  "completed",
  "awaiting_verification",
  "verified",
]);

/**
 * Whether a dependency in `state` (undefined: no such stage) lets a dependent start; `stacked`:
 * the dependent is a stacked stage.
 */
export function isDependencySatisfied(state: StageState | undefined, stacked: boolean): boolean {
  if (state === undefined) return false;
  return SATISFYING_STATES.has(state) || (stacked && STACKED_STATES.has(state));
}

/**
 * Ids, in node order, of the stages that are `waiting` or `ready` and whose dependencies are
 * all satisfied: the engine promotes the waiting ones and starts sessions for them within the
 * limits. A stage missing from `states` counts as `waiting` (just added to the plan); a
 * dependency missing from `states` is unsatisfied.
 */
export function readyStages(
  nodes: readonly GraphNode[],
  states: ReadonlyMap<string, StageState>,
  options: ReadinessOptions = {},
): string[] {
  const ready: string[] = [];
  for (const [id, deps] of adjacency(nodes, false)) {
    const state = states.get(id) ?? "waiting";
    if (state !== "waiting" && state !== "ready") continue;
    if (deps.every((dep) => satisfied(id, dep, states, options))) ready.push(id);
  }
  return ready;
}

/**
 * The dependencies of `id` that are not satisfied yet, in declared order: what the stage waits
 * on. Throws `STAGE_NOT_FOUND` for an id that is not a node.
 */
export function waitingOn(
  nodes: readonly GraphNode[],
  states: ReadonlyMap<string, StageState>,
  id: string,
  options: ReadinessOptions = {},
): string[] {
  const deps = adjacency(nodes, false).get(id);
  if (deps === undefined) {
    const known = nodes.map((n) => n.id);
    throw stageNotFound(id, known);
  }
  return deps.filter((dep) => !satisfied(id, dep, states, options));
}

function satisfied(
  id: string,
  dep: string,
  states: ReadonlyMap<string, StageState>,
  options: ReadinessOptions,
): boolean {
  return isDependencySatisfied(states.get(dep), options.stacked?.has(id) === true);
}
