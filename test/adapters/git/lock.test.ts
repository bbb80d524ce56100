/** withMergeLock: one merge at a time per repository, in arrival order; never nested. */
import fs from "node:fs";
import path from "node:path";
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

  it("is not taken again by a holder: mergeStage and worktree changes never nest", () => {
    // The merge and worktree functions take the lock themselves; the engine does not hold it
    // around them. Their sources are checked here so a nested call cannot slip in unseen.
    const sources = ["merge.ts", "worktree.ts"].map((f) =>
      fs.readFileSync(path.join(import.meta.dirname, "../../../src/adapters/git", f), "utf8"),
    );
    const engine = fs.readdirSync(path.join(import.meta.dirname, "../../../src/engine"));
    for (const file of engine.filter((f) => f.endsWith(".ts"))) {
      const text = fs.readFileSync(
        path.join(import.meta.dirname, "../../../src/engine", file),
        "utf8",
      );
      expect(text.includes("withMergeLock"), file).toBe(false);
    }
    for (const text of sources) {
      // Inside a locked body, no call to another locking function.
      for (const body of text.split("withMergeLock(").slice(1)) {
        const inner = body.slice(0, body.indexOf("\n}\n"));
        expect(inner).not.toMatch(/\b(createWorktree|removeWorktree|mergeStage|fastForward)\(/);
      }
    }
  });
});
