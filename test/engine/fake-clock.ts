/**
 * A clock for in-process engine tests: time moves only when the test says, and the timers that
 * fall due run in order of their deadline. A timer never fires inside `after()` itself, even at
 * 0 ms, as with the real clock.
 */
import type { Clock } from "../../src/engine/clock.ts";

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private time: number;
  private nextId = 0;
  private timers: Timer[] = [];

  constructor(start = Date.parse("2026-12-01T09:00:00Z")) {
    this.time = start;
  }

  now(): Date {
    return new Date(this.time);
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { id: this.nextId++, at: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Timers armed and not yet run or cancelled. */
  get pending(): number {
    return this.timers.length;
  }

  /** Timers armed that fall due within `ms` from now (health timers, say, are far off). */
  dueWithin(ms: number): number {
    return this.timers.filter((t) => t.at <= this.time + ms).length;
  }

  /** Moves time on by `ms`, running every timer that falls due (and those they arm) in order. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers
        .filter((t) => t.at <= until)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = until;
  }
}
