/**
 * Order over the dependency graph: levels, the critical path, ancestry. Dependencies on ids
 * that are not nodes are ignored (plan validation reports them).
 */
import { ExitCode, FluxError } from "../errors.ts";
import { findCycles } from "./cycles.ts";
import { adjacency, dependentsOf } from "./nodes.ts";
import type { Adjacency, GraphNode } from "./nodes.ts";

/**
 * Level of each stage: 0 without dependencies, else 1 + the highest level among them. Stages
 * of one level never depend on each other. Throws `PLAN_CYCLE` on a cyclic graph.
 */
export function topologicalLevels(nodes: readonly GraphNode[]): Map<string, number> {
  const adj = adjacency(nodes, true);
  const levels = new Map<string, number>();
  for (const id of topologicalOrder(nodes, adj)) {
    let level = 0;
    for (const dep of adj.get(id) ?? []) level = Math.max(level, levels.get(dep)! + 1);
    levels.set(id, level);
  }
  return levels;
}

/**
 * The chain of dependent stages with the greatest total weight, dependencies first: the
 * shortest time the plan can take with unlimited parallelism. `weight` (default 1 per stage)
 * must be finite and ≥ 0, e.g. an estimate in minutes. Ties go to the stage listed first.
 * Empty for no nodes; throws `PLAN_CYCLE` on a cyclic graph.
 */
export function criticalPath(
  nodes: readonly GraphNode[],
  weight: (id: string) => number = () => 1,
): string[] {
  const adj = adjacency(nodes, true);
  const total = new Map<string, number>();
  const previous = new Map<string, string>();
  for (const id of topologicalOrder(nodes, adj)) {
    const own = weight(id);
    if (!Number.isFinite(own) || own < 0) {
      throw new RangeError(`weight of "${id}" must be finite and ≥ 0, got ${own}`);
    }
    let best: string | undefined;
    for (const dep of adj.get(id) ?? []) {
      if (best === undefined || total.get(dep)! > total.get(best)!) best = dep;
    }
    total.set(id, own + (best === undefined ? 0 : total.get(best)!));
    if (best !== undefined) previous.set(id, best);
  }
  let end: string | undefined;
  for (const id of adj.keys()) {
    if (end === undefined || total.get(id)! > total.get(end)!) end = id;
  }
  const path: string[] = [];
  for (let id = end; id !== undefined; id = previous.get(id)) path.push(id);
  return path.reverse();
}

/** Every stage `id` depends on, directly or not; `id` itself only when it lies on a cycle. */
export function ancestors(nodes: readonly GraphNode[], id: string): Set<string> {
  return reach(adjacency(nodes, true), id);
}

/** Every stage that depends on `id`, directly or not; `id` itself only when it lies on a cycle. */
export function descendants(nodes: readonly GraphNode[], id: string): Set<string> {
  return reach(dependentsOf(adjacency(nodes, true)), id);
}

/**
 * Whether `a` and `b` may run at the same time as far as dependencies go: they are different
 * and neither is an ancestor of the other. (Groups and limits are `pickStartable`'s business.)
 */
export function mayRunConcurrently(nodes: readonly GraphNode[], a: string, b: string): boolean {
  if (a === b) return false;
  const adj = adjacency(nodes, true);
  return !reach(adj, a).has(b) && !reach(adj, b).has(a);
}

/** Breadth-first over `edges` from `from`, excluding `from` unless a path returns to it. */
function reach(edges: Adjacency, from: string): Set<string> {
  const seen = new Set<string>();
  const queue = [...(edges.get(from) ?? [])];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(edges.get(id) ?? []));
  }
  return seen;
}

/**
 * Kahn's algorithm: ids with their dependencies before them, ties in node order. Leftover ids
 * mean a cycle, reported with concrete paths instead of looping.
 */
function topologicalOrder(nodes: readonly GraphNode[], adj: Adjacency): string[] {
  const dependents = dependentsOf(adj);
  const pending = new Map<string, number>();
  const order: string[] = [];
  for (const [id, deps] of adj) {
    pending.set(id, deps.length);
    if (deps.length === 0) order.push(id);
  }
  for (let i = 0; i < order.length; i++) {
    for (const dependent of dependents.get(order[i]!) ?? []) {
      const left = pending.get(dependent)! - 1;
      pending.set(dependent, left);
      if (left === 0) order.push(dependent);
    }
  }
  if (order.length < adj.size) throw planCycle(findCycles(nodes, { maxPerComponent: 1 }));
  return order;
}

function planCycle(cycles: string[][]): FluxError {
  const shown = cycles.map((cycle) => cycle.join(" → ")).join("; ");
  const count = cycles.length === 1 ? "a cycle" : `${cycles.length} cycles`;
  return new FluxError("PLAN_CYCLE", `stage dependencies form ${count}: ${shown}`, {
    hint: "remove one dependency of each cycle",
    exitCode: ExitCode.invalidPlan,
    data: { cycle: cycles[0] ?? [], cycles },
  });
}
