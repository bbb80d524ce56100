/**
 * Stage tasks: the long work of a stage (worktree setup and session start, an acceptance run, a
 * merge, a gate's evidence) runs outside the scheduling pass, one task per stage at a time.
 *
 * Two ways in, with different error rules (STYLE.md: "a task a caller waits for rejects to that
 * caller; a policy for background failures never applies to it"):
 * - `run()` is for a caller that waits: it rejects at once with STAGE_BUSY when the stage has a
 *   task in flight, and the task's own error goes back to the caller, untouched.
 * - `spawn()` is for the engine's own background work: a failure goes to the `onFailure` policy
 *   the caller passes (the engine blocks the stage with the error as its reason).
 * Either way the engine is woken when a task ends.
 */
import { stageBusy } from "../core/errors.ts";

interface InFlight {
  what: string;
  done: Promise<void>;
}

export class StageTasks {
  private readonly inFlight = new Map<string, InFlight>();

  /** `onEnd` hears every task's end (the engine wakes up). */
  constructor(private readonly onEnd: (stageId: string, what: string) => void) {}

  has(stageId: string): boolean {
    return this.inFlight.has(stageId);
  }

  /** What the stage's task is doing ("merge", "acceptance"…), if it has one. */
  what(stageId: string): string | undefined {
    return this.inFlight.get(stageId)?.what;
  }

  get size(): number {
    return this.inFlight.size;
  }

  /**
   * Runs `task` for a waiting caller: its result or its error, or STAGE_BUSY at once. With
   * `after`, a task in flight of one of those kinds does not refuse it: the new task becomes the
   * stage's task at once and starts when that one has ended (a verdict queued behind a start).
   */
  run<T>(
    stageId: string,
    what: string,
    task: () => Promise<T>,
    options: { after?: readonly string[] } = {},
  ): Promise<T> {
    const current = this.inFlight.get(stageId);
    if (current !== undefined && !(options.after ?? []).includes(current.what))
      return Promise.reject(stageBusy(stageId, current.what));
    const result = (current?.done ?? Promise.resolve()).then(task);
    this.track(
      stageId,
      what,
      result.then(
        () => undefined,
        () => undefined,
      ),
    );
    return result;
  }

  /**
   * Starts background work unless the stage has a task in flight (then does nothing and says
   * false). A failure goes to `onFailure`, never to anyone waiting.
   */
  spawn(
    stageId: string,
    what: string,
    task: () => Promise<unknown>,
    onFailure: (error: unknown) => void,
  ): boolean {
    if (this.inFlight.has(stageId)) return false;
    const done = Promise.resolve()
      .then(task)
      .then(
        () => undefined,
        (error: unknown) => {
          try {
            onFailure(error);
          } catch {
            // The policy itself failed (e.g. the store is gone while stopping): nothing to add.
          }
        },
      );
    this.track(stageId, what, done);
    return true;
  }

  /** Resolves once the stage has no task in flight (at once when it has none). */
  async idle(stageId: string): Promise<void> {
    for (let current = this.inFlight.get(stageId); current !== undefined;) {
      await current.done;
      current = this.inFlight.get(stageId);
    }
  }

  /** Resolves once no task is in flight, including tasks started while draining. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0)
      await Promise.all([...this.inFlight.values()].map((t) => t.done));
  }

  private track(stageId: string, what: string, done: Promise<void>): void {
    const entry: InFlight = {
      what,
      done: done.finally(() => {
        if (this.inFlight.get(stageId) === entry) this.inFlight.delete(stageId);
        this.onEnd(stageId, what);
      }),
    };
    this.inFlight.set(stageId, entry);
  }
}
