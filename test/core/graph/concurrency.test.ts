import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pickStartable } from "../../../src/core/graph/index.ts";
import type { ConcurrencyLimits } from "../../../src/core/graph/index.ts";

const groupOf = (id: string): string | null => (id.includes(":") ? id.split(":")[0]! : null);

describe("pickStartable", () => {
  const limits: ConcurrencyLimits = { maxParallel: 3, groups: { db: { maxParallel: 1 }, ui: {} } };

  it("fills free slots in the given order", () => {
    expect(pickStartable({ ready: ["a", "b", "c", "d"], running: [], limits, groupOf })).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(pickStartable({ ready: ["a", "b"], running: ["x", "y"], limits, groupOf })).toEqual([
      "a",
    ]);
    expect(pickStartable({ ready: ["a"], running: ["x", "y", "z"], limits, groupOf })).toEqual([]);
  });

  it("respects a group's cap and lets later stages of other groups through", () => {
    expect(
      pickStartable({ ready: ["db:1", "db:2", "ui:1", "ui:2"], running: [], limits, groupOf }),
    ).toEqual(["db:1", "ui:1", "ui:2"]);
    expect(pickStartable({ ready: ["db:2", "a"], running: ["db:1"], limits, groupOf })).toEqual([
      "a",
    ]);
  });

  it("skips ids already running or repeated", () => {
    expect(pickStartable({ ready: ["a", "a", "x", "b"], running: ["x"], limits, groupOf })).toEqual(
      ["a", "b"],
    );
  });

  it("starts nothing more where running already exceeds a lowered cap", () => {
    const lowered: ConcurrencyLimits = { maxParallel: 10, groups: { db: { maxParallel: 1 } } };
    expect(
      pickStartable({ ready: ["db:3", "a"], running: ["db:1", "db:2"], limits: lowered, groupOf }),
    ).toEqual(["a"]);
  });

  it("accepts Infinity and zero, refuses nonsense limits", () => {
    const ready = ["a", "b"];
    const open: ConcurrencyLimits = { maxParallel: Infinity, groups: {} };
    expect(pickStartable({ ready, running: [], limits: open, groupOf })).toEqual(ready);
    const closed: ConcurrencyLimits = { maxParallel: 0, groups: {} };
    expect(pickStartable({ ready, running: [], limits: closed, groupOf })).toEqual([]);
    for (const bad of [-1, 1.5, Number.NaN]) {
      const limitsBad: ConcurrencyLimits = { maxParallel: bad, groups: {} };
      expect(() => pickStartable({ ready, running: [], limits: limitsBad, groupOf })).toThrow(
        RangeError,
      );
    }
  });

  it("property: never exceeds a limit, and only a limit stops a ready stage", () => {
    const id = fc.constantFrom(
      "a",
      "b",
      "c",
      "d",
      "e",
      "f",
      "g",
      "db:1",
      "db:2",
      "db:3",
      "ui:1",
      "ui:2",
      "ui:3",
      "x:1",
    );
    fc.assert(
      fc.property(
        fc.array(id, { maxLength: 12 }),
        fc.uniqueArray(id, { maxLength: 8 }),
        fc.integer({ min: 0, max: 6 }),
        fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        (ready, running, maxParallel, db, ui) => {
          const lim: ConcurrencyLimits = {
            maxParallel,
            groups: { db: { maxParallel: db }, ui: { maxParallel: ui } },
          };
          const picked = pickStartable({ ready, running, limits: lim, groupOf });
          const cap = (group: string | null) =>
            group === "db" ? db : group === "ui" ? ui : undefined;
          const count = (ids: readonly string[], group: string) =>
            ids.filter((x) => groupOf(x) === group).length;
          const after = [...running, ...picked];

          // Picked: distinct, ready, not running, in ready order.
          expect(new Set(after).size).toBe(after.length);
          expect(picked).toEqual([...new Set(ready)].filter((x) => picked.includes(x)));
          // Limits: nothing added beyond a cap (running alone may already exceed it).
          if (picked.length > 0) expect(after.length).toBeLessThanOrEqual(maxParallel);
          for (const group of ["db", "ui"]) {
            const c = cap(group);
            if (c !== undefined && picked.some((x) => groupOf(x) === group)) {
              expect(count(after, group)).toBeLessThanOrEqual(c);
            }
          }
          // Greedy: a ready stage left out is running or would break a limit.
          for (const x of ready) {
            if (after.includes(x)) continue;
            const c = cap(groupOf(x));
            const full =
              after.length >= maxParallel || (c !== undefined && count(after, groupOf(x)!) >= c);
            expect(full).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
