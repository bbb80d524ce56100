import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findCycles, hasCycle } from "../../../src/core/graph/index.ts";
import type { GraphNode } from "../../../src/core/graph/index.ts";
import {
  arbitraryCyclicGraph,
  arbitraryDag,
  arbitraryGraph,
  bruteForceCycles,
  edges,
  isCyclic,
  reachability,
} from "./arbitraries.ts";

const node = (id: string, ...dependencies: string[]): GraphNode => ({ id, dependencies });

describe("findCycles", () => {
  it("reports nothing for a DAG", () => {
    expect(findCycles([node("a"), node("b", "a"), node("c", "a", "b")])).toEqual([]);
    expect(findCycles([])).toEqual([]);
  });

  it("reports a cycle closed on itself, starting at its smallest id", () => {
    expect(findCycles([node("c", "a"), node("a", "b"), node("b", "c")])).toEqual([
      ["a", "b", "c", "a"],
    ]);
  });

  it("reports a self-dependency", () => {
    expect(findCycles([node("a", "a"), node("b", "a")])).toEqual([["a", "a"]]);
  });

  it("reports every elementary cycle once, shortest first", () => {
    const nodes = [node("a", "b", "c"), node("b", "a", "c"), node("c", "a")];
    expect(findCycles(nodes)).toEqual([
      ["a", "b", "a"],
      ["a", "c", "a"],
      ["a", "b", "c", "a"],
    ]);
  });

  it("reports cycles of separate components", () => {
    const nodes = [node("x", "y"), node("y", "x"), node("p", "q"), node("q", "p"), node("r", "p")];
    expect(findCycles(nodes)).toEqual([
      ["p", "q", "p"],
      ["x", "y", "x"],
    ]);
  });

  it("ignores dependencies on unknown ids", () => {
    expect(findCycles([node("a", "ghost"), node("ghost2", "a")])).toEqual([]);
  });

  it("merges the dependencies of a repeated id", () => {
    expect(findCycles([node("a", "b"), node("b"), node("b", "a")])).toEqual([["a", "b", "a"]]);
  });

  it("caps the cycles of one component but keeps one for every component", () => {
    const ids = ["a", "b", "c", "d", "e", "f"];
    const complete = ids.map((id) => node(id, ...ids.filter((other) => other !== id)));
    const nodes = [...complete, node("y", "z"), node("z", "y")];
    const cycles = findCycles(nodes, { maxPerComponent: 3 });
    expect(cycles.filter((c) => c[0] !== "y")).toHaveLength(3);
    expect(cycles).toContainEqual(["y", "z", "y"]);
    expect(() => findCycles(nodes, { maxPerComponent: 0 })).toThrow(RangeError);
  });

  it("terminates quickly on a dense graph with astronomically many cycles", () => {
    const ids = Array.from({ length: 40 }, (_, i) => `s${i}`);
    const nodes = ids.map((id) => node(id, ...ids));
    const cycles = findCycles(nodes);
    // 40 self-loops fill 40 of the component's 100 slots.
    expect(cycles).toHaveLength(100);
  });

  it("handles a 20,000-stage ring without overflowing the stack", () => {
    const n = 20_000;
    const nodes = Array.from({ length: n }, (_, i) => node(`s${i}`, `s${(i + 1) % n}`));
    const [cycle] = findCycles(nodes);
    expect(cycle).toHaveLength(n + 1);
    expect(hasCycle(nodes)).toBe(true);
  });

  it("is deterministic whatever the order of the nodes", () => {
    fc.assert(
      fc.property(
        arbitraryGraph().chain((nodes) =>
          fc.tuple(fc.constant(nodes), fc.shuffledSubarray(nodes, { minLength: nodes.length })),
        ),
        ([nodes, shuffled]) => {
          expect(findCycles(shuffled)).toEqual(findCycles(nodes));
        },
      ),
    );
  });

  it("property: reports a cycle exactly when the graph is cyclic", () => {
    fc.assert(
      fc.property(arbitraryGraph(), (nodes) => {
        expect(findCycles(nodes).length > 0).toBe(isCyclic(nodes));
        expect(hasCycle(nodes)).toBe(isCyclic(nodes));
      }),
    );
    fc.assert(
      fc.property(arbitraryDag(), (nodes) => {
        expect(findCycles(nodes)).toEqual([]);
      }),
    );
    fc.assert(
      fc.property(arbitraryCyclicGraph(), (nodes) => {
        expect(findCycles(nodes).length).toBeGreaterThan(0);
      }),
    );
  });

  it("property: every reported cycle is a real elementary cycle of edges", () => {
    fc.assert(
      fc.property(arbitraryCyclicGraph(), (nodes) => {
        const edgeSet = new Set(edges(nodes).map(([a, b]) => `${a}>${b}`));
        for (const cycle of findCycles(nodes)) {
          expect(cycle.length).toBeGreaterThanOrEqual(2);
          expect(cycle[0]).toBe(cycle[cycle.length - 1]);
          expect(new Set(cycle.slice(1)).size).toBe(cycle.length - 1);
          for (let i = 0; i + 1 < cycle.length; i++) {
            expect(edgeSet.has(`${cycle[i]}>${cycle[i + 1]}`)).toBe(true);
          }
        }
      }),
    );
  });

  it("property: finds exactly the elementary cycles a brute-force search finds", () => {
    fc.assert(
      fc.property(arbitraryGraph(6), (nodes) => {
        const found = findCycles(nodes, { maxPerComponent: 10_000 }).map((c) => c.join(">"));
        expect(new Set(found).size).toBe(found.length);
        expect(new Set(found)).toEqual(bruteForceCycles(nodes));
      }),
    );
  });

  it("property: under the tightest cap, every strongly connected component yields a cycle", () => {
    fc.assert(
      fc.property(arbitraryCyclicGraph(), (nodes) => {
        const reach = reachability(nodes);
        const cycles = findCycles(nodes, { maxPerComponent: 1 });
        for (const [id, set] of reach) {
          if (!set.has(id)) continue;
          // id is on a cycle: some reported cycle lies in id's component.
          const component = [...set].filter((other) => reach.get(other)!.has(id));
          expect(cycles.some((c) => c.every((member) => component.includes(member)))).toBe(true);
        }
        const components = new Set(
          [...reach]
            .filter(([id, set]) => set.has(id))
            .map(([id, set]) =>
              [...set]
                .filter((o) => reach.get(o)!.has(id))
                .sort()
                .join(),
            ),
        );
        expect(cycles).toHaveLength(components.size);
      }),
    );
  });
});
