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
 * Nothing takes it while holding it (the engine calls `mergeStage`, which takes it; it does not
 * hold it around that call), so it need not be re-entrant: a nested call would wait for its
 * own holder forever, and a test pins that no adapter function nests.
 */
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

const mutexes = new Map<string, Mutex>();

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
  const mutex = mutexes.get(key) ?? new Mutex();
  mutexes.set(key, mutex);
  try {
    return await mutex.run(async () => await fn());
  } finally {
    // Forget idle repositories so a long-lived daemon does not accumulate them.
    if (mutex.pending === 0 && mutexes.get(key) === mutex) mutexes.delete(key);
  }
}
