/** withMergeLock: one merge at a time per repository, re-entrant along a call chain. */
import { describe, expect, it } from "vitest";
import { withMergeLock } from "../../../src/adapters/git/index.ts";
import { tempDir } from "../../kit/temp-repo.ts";

/** A promise the test settles by hand, to hold a lock open as long as it needs. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe("withMergeLock", () => {
  it("runs holders of one repository one after another, in arrival order", async () => {
    const root = tempDir();
    const order: string[] = [];
    const first = gate();
    const a = withMergeLock(root, async () => {
      order.push("a start");
      await first.wait;
      order.push("a end");
    });
    const b = withMergeLock(root, () => order.push("b"));
    const c = withMergeLock(`${root}/.`, () => order.push("c"));
    await Promise.resolve();
    expect(order).toEqual(["a start"]);

    first.open();
    await Promise.all([a, b, c]);
    expect(order).toEqual(["a start", "a end", "b", "c"]);
  });

  it("lets different repositories proceed independently", async () => {
    const held = gate();
    const a = withMergeLock(tempDir(), () => held.wait);
    await expect(withMergeLock(tempDir(), () => "other repo")).resolves.toBe("other repo");
    held.open();
    await a;
  });

  it("releases the lock when the holder throws", async () => {
    const root = tempDir();
    await expect(
      withMergeLock(root, () => {
        throw new Error("merge failed");
      }),
    ).rejects.toThrow("merge failed");
    await expect(withMergeLock(root, () => "next")).resolves.toBe("next");
  });

  it("does not deadlock when a holder takes the lock again, and serialises its nested calls", async () => {
    const root = tempDir();
    const order: string[] = [];
    const entered = gate();
    const proceed = gate();
    const holder = withMergeLock(root, async () => {
      entered.open();
      await proceed.wait;
      // Two nested calls (as when the engine holds the lock and calls mergeStage): they
      // run inside the holder, one after the other, not after it.
      const inner = gate();
      const one = withMergeLock(root, async () => {
        order.push("one start");
        await inner.wait;
        order.push("one end");
      });
      const two = withMergeLock(root, () => order.push("two"));
      await Promise.resolve();
      inner.open();
      await Promise.all([one, two]);
      return "done";
    });
    await entered.wait;
    // A caller outside the holder's call chain queues behind the whole holder.
    const outsider = withMergeLock(root, () => order.push("outsider"));
    proceed.open();

    expect(await holder).toBe("done");
    await outsider;
    expect(order).toEqual(["one start", "one end", "two", "outsider"]);
  });
});
