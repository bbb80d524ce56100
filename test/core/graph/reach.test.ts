/** The bit-table reachability agrees with a brute-force transitive closure. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reachability } from "../../../src/core/graph/index.ts";
import { arbitraryGraph, reachability as closure } from "./arbitraries.ts";

describe("reachability", () => {
  it("property: dependsOn, concurrent and relatedCount match the closure", () => {
    fc.assert(
      fc.property(arbitraryGraph(12), fc.integer({ min: 0, max: 1000 }), (nodes, pick) => {
        const ids = [...new Set(nodes.map((n) => n.id))];
        const targets = ids.filter((_, i) => (pick >> (i % 10)) & 1 || i % 3 === 0);
        const reach = reachability(nodes, targets);
        const full = closure(nodes);
        expect(reach).toBeDefined();
        if (reach === undefined) return;
        const mask = reach.mask(targets);
        for (const a of ids) {
          let related = 0;
          for (const b of targets) {
            const ab = full.get(a)?.has(b) === true;
            const ba = full.get(b)?.has(a) === true;
            expect(reach.dependsOn(a, b)).toBe(ab);
            if (targets.includes(a)) expect(reach.concurrent(a, b)).toBe(a !== b && !ab && !ba);
            if (a !== b && (ab || ba)) related++;
          }
          expect(reach.relatedCount(a, mask)).toBe(related);
        }
      }),
      { seed: 20_251_205, numRuns: 200 },
    );
  });

  it("ranks dependencies first and refuses tables over the word limit", () => {
    const nodes = [
      { id: "c", dependencies: ["b"] },
      { id: "b", dependencies: ["a"] },
      { id: "a", dependencies: [] },
    ];
    const reach = reachability(nodes, ["a", "b", "c"]);
    expect([reach?.rank("a"), reach?.rank("b"), reach?.rank("c")]).toEqual([0, 1, 2]);
    expect(reachability(nodes, ["a"], { maxWords: 1 })).toBeUndefined();
  });
});
