/**
 * Cycle finding: Tarjan's strongly connected components, then Johnson's enumeration of the
 * elementary cycles inside each component.
 *
 * Design: both algorithms are iterative (a 10,000-stage chain must not overflow the stack), and
 * the enumeration is capped per component, because a dense component has exponentially many
 * elementary cycles while a person fixing a plan needs a few. Johnson's algorithm spends
 * O(nodes + edges) between two cycles it reports, so the cap bounds the work as well. Every
 * component still yields at least one cycle.
 */
import { adjacency, compareIds } from "./nodes.ts";
import type { Adjacency, GraphNode } from "./nodes.ts";

export interface FindCyclesOptions {
  /** Most cycles reported per strongly connected component; an integer ≥ 1. Default 100. */
  maxPerComponent?: number | undefined;
}

/**
 * Every elementary cycle of the dependency graph (up to `maxPerComponent` per strongly
 * connected component), each once, as an id path closed on itself: `["a", "b", "a"]` reads
 * "a depends on b, b depends on a". A cycle starts at its smallest id (code-unit order); the
 * list is sorted by length, then by ids. Dependencies on unknown ids are ignored.
 */
export function findCycles(
  nodes: readonly GraphNode[],
  options: FindCyclesOptions = {},
): string[][] {
  const limit = options.maxPerComponent ?? 100;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`maxPerComponent must be an integer ≥ 1, got ${limit}`);
  }
  const adj = sortedAdjacency(adjacency(nodes, true));
  const cycles: string[][] = [];
  for (const component of stronglyConnected(adj)) {
    const found: string[][] = [];
    for (const id of component) {
      if (found.length < limit && adj.get(id)?.includes(id) === true) found.push([id, id]);
    }
    if (component.length > 1) enumerateComponent(adj, component, limit, found);
    cycles.push(...found);
  }
  return cycles.sort(compareCycles);
}

/** Whether the graph has a cycle (a self-dependency counts), ignoring unknown ids. */
export function hasCycle(nodes: readonly GraphNode[]): boolean {
  const adj = adjacency(nodes, true);
  for (const [id, deps] of adj) if (deps.includes(id)) return true;
  return stronglyConnected(adj).some((component) => component.length > 1);
}

function sortedAdjacency(adj: Adjacency): Map<string, string[]> {
  const ids = [...adj.keys()].sort(compareIds);
  return new Map(ids.map((id) => [id, [...(adj.get(id) ?? [])].sort(compareIds)]));
}

function compareCycles(a: readonly string[], b: readonly string[]): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const order = compareIds(a[i] ?? "", b[i] ?? "");
    if (order !== 0) return order;
  }
  return 0;
}

/**
 * Tarjan's algorithm without recursion. Components come out with their ids sorted; ids visit
 * in the adjacency's key order, so the output is deterministic. A component comes after every
 * component it reaches: dependencies first.
 */
export function stronglyConnected(adj: Adjacency): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;

  const visit = (id: string): void => {
    index.set(id, next);
    low.set(id, next);
    next += 1;
    stack.push(id);
    onStack.add(id);
  };

  for (const root of adj.keys()) {
    if (index.has(root)) continue;
    visit(root);
    const work: { id: string; edge: number }[] = [{ id: root, edge: 0 }];
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const deps = adj.get(frame.id) ?? [];
      if (frame.edge < deps.length) {
        const dep = deps[frame.edge]!;
        frame.edge += 1;
        if (!index.has(dep)) {
          visit(dep);
          work.push({ id: dep, edge: 0 });
        } else if (onStack.has(dep)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(dep)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) {
        low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      }
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        components.push(component.sort(compareIds));
      }
    }
  }
  return components;
}

/**
 * Johnson's algorithm on one component: the cycles through its smallest id, then the same on
 * each component of what remains without that id. Self-loops were reported by the caller.
 */
function enumerateComponent(
  adj: Adjacency,
  component: readonly string[],
  limit: number,
  found: string[][],
): void {
  const queue: (readonly string[])[] = [component];
  while (queue.length > 0 && found.length < limit) {
    const members = queue.shift()!;
    const start = members[0]!;
    const inside = new Set(members);
    const sub = new Map(
      members.map((id) => [id, (adj.get(id) ?? []).filter((d) => d !== id && inside.has(d))]),
    );
    circuits(start, sub, (cycle) => {
      found.push(cycle);
      return found.length < limit;
    });
    const rest = new Map(
      members.slice(1).map((id) => [id, (sub.get(id) ?? []).filter((d) => d !== start)]),
    );
    for (const next of stronglyConnected(rest)) {
      if (next.length > 1) queue.push(next);
    }
  }
}

/**
 * The elementary cycles through `start` in `sub` (Johnson's CIRCUIT with its blocked sets),
 * reported to `emit` until it returns false.
 */
function circuits(start: string, sub: Adjacency, emit: (cycle: string[]) => boolean): void {
  const path = [start];
  const blocked = new Set([start]);
  const closed = new Set<string>();
  const blockedBy = new Map<string, Set<string>>();
  const stack: { id: string; deps: readonly string[]; edge: number }[] = [
    { id: start, deps: sub.get(start) ?? [], edge: 0 },
  ];

  const unblock = (id: string): void => {
    const pending = [id];
    while (pending.length > 0) {
      const node = pending.pop()!;
      if (!blocked.delete(node)) continue;
      const waiting = blockedBy.get(node);
      if (waiting !== undefined) {
        pending.push(...waiting);
        waiting.clear();
      }
    }
  };

  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.edge < frame.deps.length) {
      const dep = frame.deps[frame.edge]!;
      frame.edge += 1;
      if (dep === start) {
        if (!emit([...path, start])) return;
        for (const id of path) closed.add(id);
      } else if (!blocked.has(dep)) {
        path.push(dep);
        stack.push({ id: dep, deps: sub.get(dep) ?? [], edge: 0 });
        closed.delete(dep);
        blocked.add(dep);
      }
      continue;
    }
    // Exhausted: a node on some cycle is freed for other paths; one on none stays blocked
    // until a neighbour is freed, which is what keeps Johnson's algorithm from re-searching.
    if (closed.has(frame.id)) {
      unblock(frame.id);
    } else {
      for (const dep of frame.deps) {
        const set = blockedBy.get(dep) ?? new Set<string>();
        set.add(frame.id);
        blockedBy.set(dep, set);
      }
    }
    stack.pop();
    path.pop();
  }
}
