/**
 * The engine's clock: the time now and timers, one seam so tests can run timeouts and grace
 * periods in milliseconds with a fake clock instead of waiting for real ones.
 */

/** Node's timers overflow past 2³¹−1 ms (~24.8 days) and fire at once: longer delays are chained. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Clock {
  now(): Date;
  /**
   * Runs `fn` once after `ms` milliseconds (any finite length: long delays are chained).
   * Returns a function that cancels it; cancelling after it ran does nothing.
   */
  after(ms: number, fn: () => void): () => void;
}

/** The real clock. Timers do not keep the process alive on their own account (`unref` is not used: the daemon's server does that). */
export const systemClock: Clock = {
  now: () => new Date(),
  after(ms, fn) {
    const deadline = Date.now() + Math.max(0, ms);
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      const left = deadline - Date.now();
      if (left <= 0) {
        timer = undefined;
        fn();
        return;
      }
      timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    timer = setTimeout(arm, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
  },
};
