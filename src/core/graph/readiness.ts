/**
 * Readiness: which stages may start, and what the others wait on (DESIGN.md §2). A dependency
 * is satisfied when the upstream stage is `merged` or `skipped`, or — for an upstream whose
 * dependents stack on its branch — `completed` or `verified` (`verified` lies past
 * `completed`; `awaiting_verification` does not satisfy: the gate holds dependents back).
 */
import { stageNotFound } from "../errors.ts";
import { SATISFYING_STATES } from "../stage/states.ts";
import type { StageState } from "../stage/states.ts";
import { adjacency } from "./nodes.ts";
import type { GraphNode } from "./nodes.ts";

export interface ReadinessOptions {
  /** Upstream ids whose dependents stack on their branch. Default: none. */
  stacked?: ReadonlySet<string> | undefined;
}

/** States of a stacked upstream that satisfy its dependents, besides SATISFYING_STATES. */
const STACKED_STATES: ReadonlySet<StageState> = new Set(["completed", "verified"]);

/** Whether a dependency in `state` (undefined: no such stage) lets its dependents start. */
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
    if (deps.every((dep) => satisfied(dep, states, options))) ready.push(id);
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
  return deps.filter((dep) => !satisfied(dep, states, options));
}

function satisfied(
  dep: string,
  states: ReadonlyMap<string, StageState>,
  options: ReadinessOptions,
): boolean {
  return isDependencySatisfied(states.get(dep), options.stacked?.has(dep) === true);
}
