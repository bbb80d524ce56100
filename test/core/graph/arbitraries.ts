/** fast-check arbitraries and brute-force oracles shared by the graph property tests. */
import fc from "fast-check";
import type { GraphNode } from "../../../src/core/graph/index.ts";
import { STAGE_STATES } from "../../../src/core/stage/index.ts";
import type { StageState } from "../../../src/core/stage/index.ts";

/** Shuffled, non-sorted names so that results cannot depend on ids happening to be in order. */
const NAMES = ["m", "c", "x", "a", "q", "b", "z", "k", "e", "t", "d", "p"];

/** Any graph: edges between any two stages, self-loops and unknown ids included. */
export function arbitraryGraph(maxNodes = 8): fc.Arbitrary<GraphNode[]> {
  return fc.integer({ min: 0, max: maxNodes }).chain((n) => {
    const ids = NAMES.slice(0, n);
    const targets = [...ids, "ghost"];
    return fc.tuple(
      ...ids.map((id) =>
        fc
          .uniqueArray(fc.constantFrom(...targets), { maxLength: Math.min(4, targets.length) })
          .map((dependencies): GraphNode => ({ id, dependencies })),
      ),
    );
  });
}

/** A DAG: a stage depends only on stages before it in a hidden order; listed shuffled. */
export function arbitraryDag(maxNodes = 10): fc.Arbitrary<GraphNode[]> {
  return fc.integer({ min: 0, max: maxNodes }).chain((n) => {
    const ids = NAMES.slice(0, n);
    const nodes = fc.tuple(
      ...ids.map((id, i) =>
        fc.subarray(ids.slice(0, i)).map((dependencies): GraphNode => ({ id, dependencies })),
      ),
    );
    return nodes.chain((list) => fc.shuffledSubarray(list, { minLength: list.length }));
  });
}

/** A graph with at least one cycle: any graph plus a closed chain over some of its stages. */
export function arbitraryCyclicGraph(maxNodes = 8): fc.Arbitrary<GraphNode[]> {
  return arbitraryGraph(maxNodes)
    .filter((nodes) => nodes.length > 0)
    .chain((nodes) =>
      fc
        .shuffledSubarray(
          nodes.map((n) => n.id),
          { minLength: 1 },
        )
        .map((ring) =>
          nodes.map((node) => {
            const at = ring.indexOf(node.id);
            if (at === -1) return node;
            const next = ring[(at + 1) % ring.length]!;
            return { ...node, dependencies: [...new Set([...node.dependencies, next])] };
          }),
        ),
    );
}

export function arbitraryStates(
  nodes: readonly GraphNode[],
): fc.Arbitrary<Map<string, StageState>> {
  return fc
    .tuple(...nodes.map(() => fc.option(fc.constantFrom(...STAGE_STATES), { nil: undefined })))
    .map((states) => {
      const map = new Map<string, StageState>();
      nodes.forEach((node, i) => {
        const state = states[i];
        if (state !== undefined) map.set(node.id, state);
      });
      return map;
    });
}

/** Known edges only, as the structural functions see them. */
export function edges(nodes: readonly GraphNode[]): [string, string][] {
  const ids = new Set(nodes.map((n) => n.id));
  return nodes.flatMap((n) =>
    n.dependencies.filter((d) => ids.has(d)).map((d): [string, string] => [n.id, d]),
  );
}

/** reach.get(a).has(b): a path of one or more edges leads from a to b. */
export function reachability(nodes: readonly GraphNode[]): Map<string, Set<string>> {
  const ids = nodes.map((n) => n.id);
  const reach = new Map(ids.map((id) => [id, new Set<string>()]));
  for (const [from, to] of edges(nodes)) reach.get(from)!.add(to);
  for (const k of ids) {
    for (const i of ids) {
      if (!reach.get(i)!.has(k)) continue;
      for (const j of reach.get(k)!) reach.get(i)!.add(j);
    }
  }
  return reach;
}

export function isCyclic(nodes: readonly GraphNode[]): boolean {
  return [...reachability(nodes)].some(([id, set]) => set.has(id));
}

/** All elementary cycles by backtracking, each starting at its smallest id, as strings. */
export function bruteForceCycles(nodes: readonly GraphNode[]): Set<string> {
  const adj = new Map<string, string[]>();
  for (const [from, to] of edges(nodes)) adj.set(from, [...(adj.get(from) ?? []), to]);
  const found = new Set<string>();
  const walk = (start: string, path: string[]): void => {
    for (const next of adj.get(path[path.length - 1]!) ?? []) {
      if (next === start) found.add([...path, start].join(">"));
      else if (next > start && !path.includes(next)) walk(start, [...path, next]);
    }
  };
  for (const id of new Set(nodes.map((n) => n.id))) walk(id, [id]);
  return found;
}
