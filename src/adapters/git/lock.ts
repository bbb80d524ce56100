/**
 * Serialises the merges of one repository.
 *
 * A merge reads the base tip, writes a commit, moves the base ref and then updates the checkout
 * that has the base checked out. Two merges interleaving in one checkout would run `read-tree`
 * against an index the other one is changing, so they must run one at a time. An in-process
 * mutex is enough because one daemon per repository does all merges (DESIGN.md §3); another
 * writer of the base ref (the user's own `git commit`) is caught by the compare-and-swap in
 * `merge.ts`, not by this lock.
 *
 * The lock is re-entrant along an async call chain: the engine may hold it across a longer
 * sequence (re-check the commit, merge, verify, record) and call `mergeStage`, which takes it
 * again, without deadlocking. Calls nested inside one holder are serialised among themselves
 * too (each holder gets a queue of its own), so `Promise.all` of two merges inside a held lock
 * is still safe.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import path from "node:path";

/** A FIFO mutex: each caller waits for the previous one to settle. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  pending = 0;

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    this.pending++;
    try {
      await previous;
      return await fn();
    } finally {
      this.pending--;
      release();
    }
  }
}

interface Held {
  /** The queue for calls nested inside this holder. */
  inner: Mutex;
  /** False once the holder's function settled: a callback that escaped it holds nothing. */
  active: boolean;
}

const topLevel = new Map<string, Mutex>();
const held = new AsyncLocalStorage<ReadonlyMap<string, Held>>();

/** One key per repository however it is spelled (relative, through a symlink). */
function keyOf(root: string): string {
  const resolved = path.resolve(root);
  try {
    return fs.realpathSync(resolved);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return resolved;
  }
}

/**
 * Runs `fn` while holding the merge lock of the repository at `root` (in this process).
 * Waiters are served in arrival order; the lock is released when `fn` settles, also on error.
 */
export async function withMergeLock<T>(root: string, fn: () => Promise<T> | T): Promise<T> {
  const key = keyOf(root);
  const scope = held.getStore();
  const holder = scope?.get(key);
  let mutex: Mutex;
  if (holder?.active === true) {
    mutex = holder.inner;
  } else {
    mutex = topLevel.get(key) ?? new Mutex();
    topLevel.set(key, mutex);
  }
  try {
    return await mutex.run(async () => {
      const mine: Held = { inner: new Mutex(), active: true };
      try {
        return await held.run(new Map(scope).set(key, mine), fn);
      } finally {
        mine.active = false;
      }
    });
  } finally {
    // Forget idle repositories so a long-lived daemon does not accumulate them.
    if (mutex.pending === 0 && topLevel.get(key) === mutex) topLevel.delete(key);
  }
}
