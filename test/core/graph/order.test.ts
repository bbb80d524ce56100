import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FluxError } from "../../../src/core/errors.ts";
import {
  ancestors,
  criticalPath,
  descendants,
  mayRunConcurrently,
  topologicalLevels,
} from "../../../src/core/graph/index.ts";
import type { GraphNode } from "../../../src/core/graph/index.ts";
import { arbitraryDag, arbitraryGraph, edges, isCyclic, reachability } from "./arbitraries.ts";

const node = (id: string, ...dependencies: string[]): GraphNode => ({ id, dependencies });
const diamond = [node("a"), node("b", "a"), node("c", "a"), node("d", "b", "c"), node("e")];

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("topologicalLevels", () => {
  it("puts each stage one level above its highest dependency", () => {
    expect(topologicalLevels(diamond)).toEqual(
      new Map([
        ["a", 0],
        ["e", 0],
        ["b", 1],
        ["c", 1],
        ["d", 2],
      ]),
    );
  });

  it("ignores unknown dependencies", () => {
    expect(topologicalLevels([node("a", "ghost")])).toEqual(new Map([["a", 0]]));
  });

  it("throws PLAN_CYCLE with the cycle instead of looping", () => {
    const error = catchError(() =>
      topologicalLevels([node("a"), node("b", "a", "c"), node("c", "b"), node("d", "c")]),
    );
    expect(error).toBeInstanceOf(FluxError);
    const flux = error as FluxError;
    expect(flux.code).toBe("PLAN_CYCLE");
    expect(flux.exitCode).toBe(3);
    expect(flux.message).toContain("b → c → b");
    expect(flux.data.cycle).toEqual(["b", "c", "b"]);
    expect(flux.hint).toBeDefined();
  });

  it("property: levels respect every edge and are minimal", () => {
    fc.assert(
      fc.property(arbitraryDag(), (nodes) => {
        const levels = topologicalLevels(nodes);
        expect(levels.size).toBe(nodes.length);
        for (const [from, to] of edges(nodes))
          expect(levels.get(to)!).toBeLessThan(levels.get(from)!);
        for (const n of nodes) {
          const deps = n.dependencies.map((d) => levels.get(d)!);
          expect(levels.get(n.id)).toBe(deps.length === 0 ? 0 : Math.max(...deps) + 1);
        }
      }),
    );
  });

  it("property: throws PLAN_CYCLE exactly on cyclic graphs", () => {
    fc.assert(
      fc.property(arbitraryGraph(), (nodes) => {
        if (!isCyclic(nodes)) {
          expect(() => topologicalLevels(nodes)).not.toThrow();
          return;
        }
        const error = catchError(() => topologicalLevels(nodes)) as FluxError;
        expect(error.code).toBe("PLAN_CYCLE");
        expect((error.data.cycle as string[]).length).toBeGreaterThan(1);
      }),
    );
  });
});

describe("criticalPath", () => {
  it("finds the longest chain, dependencies first", () => {
    expect(criticalPath(diamond)).toEqual(["a", "b", "d"]);
    expect(criticalPath([])).toEqual([]);
  });

  it("weighs stages", () => {
    const weights: Record<string, number> = { a: 1, b: 1, c: 5, d: 1, e: 6 };
    expect(criticalPath(diamond, (id) => weights[id]!)).toEqual(["a", "c", "d"]);
    expect(criticalPath(diamond, (id) => (id === "e" ? 100 : 1))).toEqual(["e"]);
    expect(() => criticalPath(diamond, () => -1)).toThrow(RangeError);
  });

  it("throws PLAN_CYCLE on a cycle", () => {
    expect(() => criticalPath([node("a", "b"), node("b", "a")])).toThrow(
      expect.objectContaining({ code: "PLAN_CYCLE" }),
    );
  });

  it("property: is a chain of edges whose weight no other chain beats", () => {
    fc.assert(
      fc.property(
        arbitraryDag(8).chain((nodes) =>
          fc.tuple(
            fc.constant(nodes),
            fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 12, maxLength: 12 }),
          ),
        ),
        ([nodes, raw]) => {
          const weightOf = new Map(nodes.map((n, i) => [n.id, raw[i]!]));
          const weight = (id: string) => weightOf.get(id)!;
          const path = criticalPath(nodes, weight);
          if (nodes.length === 0) return;
          const edgeSet = new Set(edges(nodes).map(([a, b]) => `${a}>${b}`));
          for (let i = 0; i + 1 < path.length; i++) {
            expect(edgeSet.has(`${path[i + 1]}>${path[i]}`)).toBe(true);
          }
          // Brute force: the heaviest chain ending at each stage.
          const best = (id: string): number => {
            const deps = nodes.find((n) => n.id === id)!.dependencies;
            return weight(id) + Math.max(0, ...deps.map(best));
          };
          const total = path.reduce((sum, id) => sum + weight(id), 0);
          expect(total).toBe(Math.max(...nodes.map((n) => best(n.id))));
        },
      ),
    );
  });
});

describe("ancestry", () => {
  it("lists ancestors and descendants", () => {
    expect(ancestors(diamond, "d")).toEqual(new Set(["b", "c", "a"]));
    expect(ancestors(diamond, "a")).toEqual(new Set());
    expect(descendants(diamond, "a")).toEqual(new Set(["b", "c", "d"]));
    expect(ancestors(diamond, "unknown")).toEqual(new Set());
  });

  it("terminates on cycles and includes the stage itself only on a cycle", () => {
    const nodes = [node("a", "b"), node("b", "a"), node("c", "a")];
    expect(ancestors(nodes, "a")).toEqual(new Set(["b", "a"]));
    expect(ancestors(nodes, "c")).toEqual(new Set(["a", "b"]));
  });

  it("tells which stages may run concurrently", () => {
    expect(mayRunConcurrently(diamond, "b", "c")).toBe(true);
    expect(mayRunConcurrently(diamond, "a", "d")).toBe(false);
    expect(mayRunConcurrently(diamond, "d", "a")).toBe(false);
    expect(mayRunConcurrently(diamond, "e", "d")).toBe(true);
    expect(mayRunConcurrently(diamond, "b", "b")).toBe(false);
  });

  it("property: ancestors and descendants match reachability, on any graph", () => {
    fc.assert(
      fc.property(arbitraryGraph(), (nodes) => {
        const reach = reachability(nodes);
        for (const n of nodes) {
          expect(ancestors(nodes, n.id)).toEqual(reach.get(n.id));
          const down = new Set(nodes.map((m) => m.id).filter((m) => reach.get(m)!.has(n.id)));
          expect(descendants(nodes, n.id)).toEqual(down);
          for (const m of nodes) {
            expect(mayRunConcurrently(nodes, n.id, m.id)).toBe(
              n.id !== m.id && !reach.get(n.id)!.has(m.id) && !reach.get(m.id)!.has(n.id),
            );
          }
        }
      }),
    );
  });
});
