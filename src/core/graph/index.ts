/**
 * The dependency graph of a plan's stages, as pure functions over `{id, dependencies,
 * parallelGroup?}` nodes: cycles, levels, critical path, ancestry, readiness and concurrency.
 * Edges run from a stage to the stages it depends on. Structure (cycles, levels, ancestry)
 * ignores dependencies on unknown ids; readiness treats them as unsatisfied.
 */
export type { GraphNode } from "./nodes.ts";
export { findCycles, hasCycle } from "./cycles.ts";
export type { FindCyclesOptions } from "./cycles.ts";
export { reachability } from "./reach.ts";
export type { Reachability, ReachabilityOptions } from "./reach.ts";
export {
  ancestors,
  criticalPath,
  descendants,
  mayRunConcurrently,
  topologicalLevels,
} from "./order.ts";
export { isDependencySatisfied, readyStages, waitingOn } from "./readiness.ts";
export type { ReadinessOptions } from "./readiness.ts";
export { SLOT_STATES, pickStartable } from "./concurrency.ts";
export type { ConcurrencyLimits, StartRequest } from "./concurrency.ts";
