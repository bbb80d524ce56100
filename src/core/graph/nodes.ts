/**
 * The minimal shape the graph functions read, and the adjacency they share. A resolved plan
 * `Stage` fits `GraphNode` as it is.
 */

export interface GraphNode {
  readonly id: string;
  /** Ids this stage depends on: an edge runs from the stage to each of them. */
  readonly dependencies: readonly string[];
  readonly parallelGroup?: string | null | undefined;
}

/** id → dependencies, deduplicated in declared order; ids in order of first appearance. */
export type Adjacency = ReadonlyMap<string, readonly string[]>;

/**
 * Builds the adjacency of `nodes`. A repeated id merges its dependency lists rather than
 * shadowing one: plan validation reports duplicates, and the graph stays total meanwhile.
 * With `knownOnly`, edges to ids that are not nodes are dropped: structure (cycles, levels,
 * ancestry) is about the plan's own stages; validation reports unknown ids.
 */
export function adjacency(nodes: readonly GraphNode[], knownOnly: boolean): Adjacency {
  const deps = new Map<string, Set<string>>();
  for (const node of nodes) {
    const set = deps.get(node.id) ?? new Set<string>();
    for (const dep of node.dependencies) set.add(dep);
    deps.set(node.id, set);
  }
  const result = new Map<string, string[]>();
  for (const [id, set] of deps) {
    result.set(id, knownOnly ? [...set].filter((dep) => deps.has(dep)) : [...set]);
  }
  return result;
}

/** The reverse edges: id → the ids that depend on it, in node order. */
export function dependentsOf(adj: Adjacency): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const id of adj.keys()) result.set(id, []);
  for (const [id, deps] of adj) {
    for (const dep of deps) result.get(dep)?.push(id);
  }
  return result;
}

/** Code-unit order: deterministic and independent of the locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
