/**
 * "Does a depend on b, directly or not?" for many pairs among chosen `targets`, in O(1) a
 * question after one pass over the graph's strongly connected components.
 *
 * Design: each component gets two bit rows over the targets, its ancestors (what it depends
 * on) and its descendants (what depends on it), built in dependency order from its
 * neighbours' rows. That costs (components × targets / 32) words of memory and
 * (edges × targets / 32) word operations: 25 MB and a few million operations for 10,000
 * stages that are all targets. Asking per pair instead would walk the graph once per pair,
 * which is quadratic in the number of stages sharing a glob. Callers choose as targets only the
 * stages they will ask about, and get undefined when the rows would exceed `maxWords`.
 */
import { stronglyConnected } from "./cycles.ts";
import { adjacency } from "./nodes.ts";
import type { GraphNode } from "./nodes.ts";

export interface Reachability {
  /** Whether `from` depends on target `to`, directly or not (itself only on a cycle). */
  dependsOn(from: string, to: string): boolean;
  /** Whether the two may run at the same time: different, and neither depends on the other. */
  concurrent(a: string, b: string): boolean;
  /** A position with dependencies first; the stages of one cycle share it. */
  rank(id: string): number;
  /** A set of targets, for `relatedCount`. */
  mask(ids: Iterable<string>): Uint32Array;
  /** How many targets of `mask`, other than `id`, depend on `id` or are depended on by it. */
  relatedCount(id: string, mask: Uint32Array): number;
}

export interface ReachabilityOptions {
  /** Most 32-bit words the two row tables may take; default 2^25 (128 MB). */
  maxWords?: number | undefined;
  /** Called with the words each step touches, for callers that bound their work. */
  onWords?: ((words: number) => void) | undefined;
}

export function reachability(
  nodes: readonly GraphNode[],
  targets: readonly string[],
  options: ReachabilityOptions = {},
): Reachability | undefined {
  const adj = adjacency(nodes, true);
  const components = stronglyConnected(adj);
  const column = new Map<string, number>();
  for (const id of targets) if (adj.has(id) && !column.has(id)) column.set(id, column.size);
  const width = Math.max(1, Math.ceil(column.size / 32));
  if (2 * components.length * width > (options.maxWords ?? 2 ** 25)) return undefined;
  const count = options.onWords ?? (() => undefined);

  const componentOf = new Map<string, number>();
  components.forEach((members, c) => {
    for (const id of members) componentOf.set(id, c);
  });
  const own = components.map((members) =>
    members.flatMap((id) => (column.has(id) ? [column.get(id) ?? 0] : [])),
  );
  const ancestors = new Uint32Array(components.length * width);
  const descendants = new Uint32Array(components.length * width);
  const setOwn = (rows: Uint32Array, row: number, of: number): void => {
    for (const bit of own[of] ?? []) rows[row * width + (bit >>> 5)]! |= 1 << (bit & 31);
  };
  const merge = (rows: Uint32Array, into: number, from: number): void => {
    const to = into * width;
    const source = from * width;
    for (let w = 0; w < width; w++) rows[to + w]! |= rows[source + w]!;
    count(width);
  };

  // Components come dependencies first, so each one's dependencies already have their rows.
  const dependents: number[][] = components.map(() => []);
  components.forEach((members, c) => {
    const done = new Set<number>();
    for (const id of members) {
      for (const dep of adj.get(id) ?? []) {
        const d = componentOf.get(dep) ?? c;
        if (d === c) {
          setOwn(ancestors, c, c); // a cycle, or a self-dependency: the stage reaches itself
          setOwn(descendants, c, c);
        } else if (!done.has(d)) {
          done.add(d);
          dependents[d]?.push(c);
          merge(ancestors, c, d);
          setOwn(ancestors, c, d);
        }
      }
    }
  });
  for (let c = components.length - 1; c >= 0; c--) {
    for (const e of dependents[c] ?? []) {
      merge(descendants, c, e);
      setOwn(descendants, c, e);
    }
  }

  const has = (rows: Uint32Array, row: number, bit: number): boolean =>
    ((rows[row * width + (bit >>> 5)] ?? 0) & (1 << (bit & 31))) !== 0;
  const dependsOn = (from: string, to: string): boolean => {
    const row = componentOf.get(from);
    const bit = column.get(to);
    return row !== undefined && bit !== undefined && has(ancestors, row, bit);
  };
  return {
    dependsOn,
    concurrent: (a, b) => a !== b && !dependsOn(a, b) && !dependsOn(b, a),
    rank: (id) => componentOf.get(id) ?? -1,
    mask(ids) {
      const mask = new Uint32Array(width);
      for (const id of ids) {
        const bit = column.get(id);
        if (bit !== undefined) mask[bit >>> 5]! |= 1 << (bit & 31);
      }
      return mask;
    },
    relatedCount(id, mask) {
      const row = componentOf.get(id);
      if (row === undefined) return 0;
      let total = 0;
      for (let w = 0; w < width; w++) {
        total += popcount(
          ((ancestors[row * width + w] ?? 0) | (descendants[row * width + w] ?? 0)) &
            (mask[w] ?? 0),
        );
      }
      count(width);
      const self = column.get(id);
      if (
        self !== undefined &&
        has(ancestors, row, self) &&
        (mask[self >>> 5] ?? 0) & (1 << (self & 31))
      ) {
        total -= 1;
      }
      return total;
    },
  };
}

function popcount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
