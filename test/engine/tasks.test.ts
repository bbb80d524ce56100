/** Stage tasks and the clock: the rules the engine's handlers rely on. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { FluxError } from "../../src/core/errors.ts";
import { MAX_TIMER_MS, systemClock } from "../../src/engine/clock.ts";
import { StageTasks } from "../../src/engine/tasks.ts";

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("StageTasks", () => {
  it("gives a waiting caller the task's result, or its error untouched", async () => {
    const ended: string[] = [];
    const tasks = new StageTasks((stage, what) => ended.push(`${stage}:${what}`));
    await expect(tasks.run("a", "merge", () => Promise.resolve(42))).resolves.toBe(42);
    const boom = new FluxError("STAGE_NOT_MERGEABLE", "no");
    await expect(tasks.run("a", "merge", () => Promise.reject(boom))).rejects.toBe(boom);
    await tasks.drain();
    expect(ended).toEqual(["a:merge", "a:merge"]);
  });

  it("refuses a second task for a busy stage with STAGE_BUSY, and the first goes on", async () => {
    const tasks = new StageTasks(() => undefined);
    const gate = deferred();
    const first = tasks.run("a", "merge", () => gate.promise.then(() => "done"));
    await expect(tasks.run("a", "verify", () => Promise.resolve(1))).rejects.toMatchObject({
      code: "STAGE_BUSY",
      exitCode: 4,
    });
    expect(
      tasks.spawn(
        "a",
        "start",
        () => Promise.resolve(),
        () => undefined,
      ),
    ).toBe(false);
    gate.resolve();
    await expect(first).resolves.toBe("done");
    expect(tasks.has("a")).toBe(false);
  });

  it("applies the failure policy only to background work", async () => {
    const tasks = new StageTasks(() => undefined);
    const failures: unknown[] = [];
    tasks.spawn(
      "a",
      "merge",
      () => Promise.reject(new Error("git broke")),
      (e) => failures.push(e),
    );
    await tasks.drain();
    expect(failures).toHaveLength(1);
    expect(String(failures[0])).toContain("git broke");
  });

  it("queues a task behind the kinds it may follow, holding the stage throughout", async () => {
    const tasks = new StageTasks(() => undefined);
    const gate = deferred();
    const order: string[] = [];
    void tasks.run("a", "start", async () => {
      await gate.promise;
      order.push("start");
    });
    const verdict = tasks.run(
      "a",
      "acceptance",
      () => {
        order.push("acceptance");
        return Promise.resolve("pass");
      },
      { after: ["start"] },
    );
    expect(tasks.what("a")).toBe("acceptance");
    const drained = tasks.drain();
    gate.resolve();
    await drained;
    await expect(verdict).resolves.toBe("pass");
    expect(order).toEqual(["start", "acceptance"]);
  });
});

describe("systemClock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("chains delays longer than setTimeout can hold (2^31-1 ms)", () => {
    vi.useFakeTimers({ now: 0 });
    const fired = vi.fn();
    systemClock.after(30 * 86_400_000, fired);
    vi.advanceTimersByTime(MAX_TIMER_MS + 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * 86_400_000 - MAX_TIMER_MS - 2);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
  });

  it("cancels", () => {
    vi.useFakeTimers({ now: 0 });
    const fired = vi.fn();
    const cancel = systemClock.after(MAX_TIMER_MS * 2, fired);
    vi.advanceTimersByTime(MAX_TIMER_MS + 5);
    cancel();
    vi.advanceTimersByTime(MAX_TIMER_MS * 2);
    expect(fired).not.toHaveBeenCalled();
  });
});
