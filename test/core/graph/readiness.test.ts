import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDependencySatisfied, readyStages, waitingOn } from "../../../src/core/graph/index.ts";
import type { GraphNode } from "../../../src/core/graph/index.ts";
import { SATISFYING_STATES, STAGE_STATES } from "../../../src/core/stage/index.ts";
import type { StageState } from "../../../src/core/stage/index.ts";
import { arbitraryGraph, arbitraryStates } from "./arbitraries.ts";

const node = (id: string, ...dependencies: string[]): GraphNode => ({ id, dependencies });
const nodes = [node("a"), node("b", "a"), node("c", "a", "b"), node("d")];
const states = (entries: Record<string, StageState>) => new Map(Object.entries(entries));

describe("isDependencySatisfied", () => {
  it("accepts merged and skipped; a passed upstream only for a stacked dependent", () => {
    for (const state of STAGE_STATES) {
      expect(isDependencySatisfied(state, false)).toBe(state === "merged" || state === "skipped");
      expect(isDependencySatisfied(state, true)).toBe(
        ["merged", "skipped", "completed", "awaiting_verification", "verified"].includes(state),
      );
    }
    expect(isDependencySatisfied(undefined, true)).toBe(false);
  });
});

describe("readyStages", () => {
  it("lists waiting or ready stages whose dependencies are satisfied, in node order", () => {
    expect(
      readyStages(nodes, states({ a: "merged", b: "waiting", c: "waiting", d: "ready" })),
    ).toEqual(["b", "d"]);
    expect(
      readyStages(nodes, states({ a: "merged", b: "skipped", c: "ready", d: "running" })),
    ).toEqual(["c"]);
  });

  it("takes a stage missing from the states as waiting, a missing dependency as unmet", () => {
    expect(readyStages(nodes, new Map())).toEqual(["a", "d"]);
    expect(readyStages([node("x", "elsewhere")], new Map())).toEqual([]);
    expect(readyStages([node("x", "elsewhere")], states({ elsewhere: "merged" }))).toEqual(["x"]);
  });

  it("lets a passed upstream satisfy a dependent only when the dependent stacks", () => {
    const s = states({ a: "completed", b: "waiting", c: "waiting", d: "merged" });
    expect(readyStages(nodes, s)).toEqual([]);
    // The field sits on the dependent: naming the upstream stacks nothing.
    expect(readyStages(nodes, s, { stacked: new Set(["a"]) })).toEqual([]);
    expect(readyStages(nodes, s, { stacked: new Set(["b"]) })).toEqual(["b"]);
    // The upstream's gate guards its merge, not the branch the dependent builds on.
    const gated = states({ a: "awaiting_verification", b: "waiting", c: "waiting", d: "merged" });
    expect(readyStages(nodes, gated, { stacked: new Set(["b"]) })).toEqual(["b"]);
    expect(waitingOn(nodes, gated, "b", { stacked: new Set(["b"]) })).toEqual([]);
    const running = states({ a: "running", b: "waiting", c: "waiting", d: "merged" });
    expect(readyStages(nodes, running, { stacked: new Set(["b"]) })).toEqual([]);
  });

  it("never readies a stage that depends on itself", () => {
    expect(readyStages([node("a", "a")], states({ a: "waiting" }))).toEqual([]);
  });

  it("property: a ready stage never has an unsatisfied dependency, and none is missed", () => {
    fc.assert(
      fc.property(
        arbitraryGraph().chain((g) =>
          fc.tuple(fc.constant(g), arbitraryStates(g), fc.subarray(g.map((n) => n.id))),
        ),
        ([graph, stateMap, stackedIds]) => {
          const stacked = new Set(stackedIds);
          const ready = new Set(readyStages(graph, stateMap, { stacked }));
          for (const n of graph) {
            const state = stateMap.get(n.id) ?? "waiting";
            const allSatisfied = n.dependencies.every((dep) => {
              const depState = stateMap.get(dep);
              if (depState === undefined) return false;
              return (
                SATISFYING_STATES.has(depState) ||
                (stacked.has(n.id) &&
                  ["completed", "awaiting_verification", "verified"].includes(depState))
              );
            });
            const expected = (state === "waiting" || state === "ready") && allSatisfied;
            expect(ready.has(n.id)).toBe(expected);
            const pending = waitingOn(graph, stateMap, n.id, { stacked });
            expect(pending.length === 0).toBe(allSatisfied);
            for (const dep of pending) expect(n.dependencies).toContain(dep);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("waitingOn", () => {
  it("lists the unsatisfied dependencies in declared order", () => {
    expect(waitingOn(nodes, states({ a: "running", b: "waiting" }), "c")).toEqual(["a", "b"]);
    expect(waitingOn(nodes, states({ a: "merged", b: "completed" }), "c")).toEqual(["b"]);
    expect(waitingOn(nodes, states({ a: "merged", b: "skipped" }), "c")).toEqual([]);
  });

  it("throws STAGE_NOT_FOUND for an unknown stage", () => {
    expect(() => waitingOn(nodes, new Map(), "zzz")).toThrow(
      expect.objectContaining({ code: "STAGE_NOT_FOUND", exitCode: 5 }),
    );
  });
});
