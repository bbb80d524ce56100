import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FluxError } from "../../src/core/errors.ts";
import type { FluxEvent } from "../../src/store/events.ts";
import { Store } from "../../src/store/store.ts";
import { diamond, planOf } from "../kit/plans.ts";
import { tempDir } from "../kit/temp-repo.ts";

let dir: string;
let store: Store;
const input = (stages = diamond(), file = "doc/plans/PLAN-test.md") => ({
  plan: planOf(stages, file),
  file,
  contentHash: "hash",
  baseBranch: "main",
});
const states = (planId: number) =>
  Object.fromEntries(store.stages(planId).map((s) => [s.id, s.state]));

beforeEach(() => {
  dir = tempDir();
  store = new Store(path.join(dir, "flux.db"), { clock: () => new Date("2026-01-02T03:04:05Z") });
});
afterEach(() => store.close());

describe("Store.applyPlan", () => {
  it("stores stages, edges and readiness, with events", () => {
    const result = store.applyPlan(input());
    expect(result.created).toBe(true);
    expect(states(result.planId)).toEqual({ a: "ready", b: "waiting", c: "waiting", d: "waiting" });
    const types = result.events.map((e) => e.type);
    expect(types.filter((t) => t === "stage.added")).toHaveLength(4);
    expect(types).toContain("plan.applied");
    expect(result.events.at(-1)).toMatchObject({
      type: "stage.transitioned",
      stageId: "a",
      data: { from: "waiting", to: "ready", trigger: "deps_satisfied" },
    });
    const edges = store.db
      .prepare("SELECT dependency, dependent FROM edges ORDER BY dependent, dependency")
      .all();
    expect(edges).toEqual([
      { dependency: "a", dependent: "b" },
      { dependency: "a", dependent: "c" },
      { dependency: "b", dependent: "d" },
      { dependency: "c", dependent: "d" },
    ]);
  });

  it("reconciles an edited plan: added, removed, changed", () => {
    const { planId } = store.applyPlan(input());
    const edited = [
      { id: "a", name: "Renamed" },
      { id: "b", dependencies: ["a"] },
      { id: "e", dependencies: ["b"] },
    ];
    const result = store.applyPlan(input(edited));
    expect(result.created).toBe(false);
    expect(result.planId).toBe(planId);
    expect(result.diff.added.map((s) => s.id)).toEqual(["e"]);
    expect(result.diff.removed.map((s) => s.id).sort()).toEqual(["c", "d"]);
    expect(result.diff.changed).toEqual([{ id: "a", state: "ready", fields: ["name"] }]);
    expect(states(planId)).toEqual({ a: "ready", b: "waiting", e: "waiting" });
  });

  it("refuses to drop or rewrite a started stage unless forced, changing nothing", () => {
    const { planId } = store.applyPlan(input());
    store.transition(planId, "a", "block", { reason: "busy", actor: "test" });
    const before = store.lastSeq();
    const rewrite = () =>
      store.applyPlan(input([{ id: "a", description: "new" }, ...diamond().slice(1)]));
    expect(rewrite).toThrowError(
      expect.objectContaining({ code: "PLAN_RECONCILE_REFUSED" }) as Error,
    );
    expect(() =>
      store.applyPlan(
        input(
          diamond()
            .slice(1)
            .map((s) => ({ ...s, dependencies: [] })),
        ),
      ),
    ).toThrowError(/drop a \(blocked\)/);
    expect(store.lastSeq()).toBe(before);
    const forced = store.applyPlan(
      input([{ id: "a", description: "new" }, ...diamond().slice(1)]),
      { force: true },
    );
    expect(forced.diff.changed.map((c) => c.id)).toEqual(["a"]);
    expect(store.stage(planId, "a")?.state).toBe("blocked");
    expect(store.stage(planId, "a")?.spec.description).toBe("new");
  });

  it("refuses another plan while the active one has unmerged stages, unless forced", () => {
    const first = store.applyPlan(input());
    let error: unknown;
    try {
      store.applyPlan(input([{ id: "x" }], "doc/plans/PLAN-other.md"));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FluxError);
    expect((error as FluxError).code).toBe("PLAN_ACTIVE_UNMERGED");
    expect((error as FluxError).hint).toMatch(/--force/);
    expect(store.activePlan()?.id).toBe(first.planId);
    const second = store.applyPlan(input([{ id: "x" }], "doc/plans/PLAN-other.md"), {
      force: true,
    });
    expect(second.created).toBe(true);
    expect(store.activePlan()?.file).toBe("doc/plans/PLAN-other.md");
    expect(states(second.planId)).toEqual({ x: "ready" });
  });
});

describe("Store.transition", () => {
  it("applies manual edges through the state machine and settles dependents", () => {
    const { planId } = store.applyPlan(input());
    const skipped = store.transition(planId, "a", "skip", { actor: "test" });
    expect(skipped.stage.state).toBe("skipped");
    expect(
      skipped.events.map((e) => [e.stageId, e.type === "stage.transitioned" ? e.data.to : e.type]),
    ).toEqual([
      ["a", "skipped"],
      ["b", "ready"],
      ["c", "ready"],
    ]);
    const reset = store.transition(planId, "a", "reset", { actor: "test" });
    expect(reset.stage.state).toBe("ready");
    expect(states(planId)).toEqual({ a: "ready", b: "waiting", c: "waiting", d: "waiting" });
  });

  it("refuses an illegal edge with a clear error and writes nothing", () => {
    const { planId } = store.applyPlan(input());
    const before = store.lastSeq();
    expect(() =>
      store.transition(planId, "d", "complete", { reason: "x", actor: "test" }),
    ).not.toThrow();
    const afterComplete = store.lastSeq();
    expect(afterComplete).toBeGreaterThan(before);
    expect(() =>
      store.transition(planId, "d", "complete", { reason: "again", actor: "test" }),
    ).toThrowError(expect.objectContaining({ code: "STAGE_ILLEGAL_TRANSITION" }) as Error);
    expect(store.lastSeq()).toBe(afterComplete);
    expect(() => store.transition(planId, "nope", "block", { actor: "test" })).toThrowError(
      expect.objectContaining({ code: "STAGE_NOT_FOUND" }) as Error,
    );
  });

  it("publishes events only after the commit", () => {
    const { planId } = store.applyPlan(input());
    const heard: FluxEvent[] = [];
    store.subscribe((e) => heard.push(e));
    expect(() =>
      store.write((emit) => {
        emit({ type: "stage.changed", planId, stageId: "a", data: { fields: [] } });
        throw new Error("rolled back");
      }),
    ).toThrow("rolled back");
    expect(heard).toEqual([]);
    store.transition(planId, "a", "block", { reason: "r", actor: "test" });
    expect(heard.map((e) => e.type)).toEqual(["stage.transitioned"]);
    expect(heard[0]?.seq).toBe(store.lastSeq());
  });

  it("keeps the event log append-only", () => {
    store.applyPlan(input());
    expect(() => store.db.prepare("UPDATE events SET type = 'x'").run()).toThrow(/append-only/);
    expect(() => store.db.prepare("DELETE FROM events").run()).toThrow(/append-only/);
  });

  it("records timestamps from the clock and the actor", () => {
    const { planId } = store.applyPlan(input());
    const { events } = store.transition(planId, "a", "block", { reason: "why", actor: "human:me" });
    expect(events[0]).toMatchObject({
      at: "2026-01-02T03:04:05.000Z",
      data: { actor: "human:me", reason: "why", manual: true },
    });
  });
});
