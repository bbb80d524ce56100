/**
 * What the engine watches per open session, in one record per session: its timer (one at a
 * time, and which deadline it is), whether Flux is ending it and why, and whether its liveness
 * is being checked. Only the session lifecycle and the scheduler touch it, through these verbs.
 */
import type { Clock } from "./clock.ts";

/** Which deadline a session's timer stands for. */
export type SessionTimer =
  /** The stage's `timeout`. */
  | "timeout"
  /** The backend session is gone: the runner's report has this long to arrive. */
  | "report-grace"
  /** Flux sent SIGTERM to an interactive agent: it has this long to exit. */
  | "end-grace"
  /** The agent wrote its handoff: it has this long to end its turn and exit. */
  | "handoff-exit";

interface Watch {
  timer?: { kind: SessionTimer; cancel: () => void };
  /**
   * The agent was told to hand off: Flux does it for the agent at this deadline. Its own slot,
   * beside the stage's timeout.
   */
  handoff?: () => void;
  /** Why Flux is ending this session (set once). */
  ending?: string;
  /** Its liveness is being asked of the backend. */
  checking?: boolean;
}

export class SessionWatch {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly clock: Clock) {}

  /** Arms the session's timer, replacing any other. */
  arm(sessionId: string, kind: SessionTimer, ms: number, fn: () => void): void {
    this.disarm(sessionId);
    const watch = this.watch(sessionId);
    const cancel = this.clock.after(ms, () => {
      if (watch.timer?.cancel === cancel) delete watch.timer;
      this.prune(sessionId);
      fn();
    });
    watch.timer = { kind, cancel };
  }

  /** Arms the deadline of an agent told to hand off (once: a later call changes nothing). */
  armHandoff(sessionId: string, ms: number, fn: () => void): void {
    const watch = this.watch(sessionId);
    if (watch.handoff !== undefined) return;
    const cancel = this.clock.after(ms, () => {
      if (watch.handoff === cancel) delete watch.handoff;
      this.prune(sessionId);
      fn();
    });
    watch.handoff = cancel;
  }

  disarm(sessionId: string): void {
    const watch = this.watches.get(sessionId);
    watch?.timer?.cancel();
    if (watch !== undefined) delete watch.timer;
    this.prune(sessionId);
  }

  timer(sessionId: string): SessionTimer | undefined {
    return this.watches.get(sessionId)?.timer?.kind;
  }

  /** Marks the session as being ended by Flux; false when it already was. */
  beginEnding(sessionId: string, why: string): boolean {
    const watch = this.watch(sessionId);
    if (watch.ending !== undefined) return false;
    watch.ending = why;
    return true;
  }

  endingReason(sessionId: string): string | undefined {
    return this.watches.get(sessionId)?.ending;
  }

  /** Starts a liveness check; false when one is under way already. */
  beginCheck(sessionId: string): boolean {
    const watch = this.watch(sessionId);
    if (watch.checking === true) return false;
    watch.checking = true;
    return true;
  }

  endCheck(sessionId: string): void {
    const watch = this.watches.get(sessionId);
    if (watch !== undefined) delete watch.checking;
    this.prune(sessionId);
  }

  /** True while Flux is ending the session or checking whether it lives. */
  busy(sessionId: string): boolean {
    const watch = this.watches.get(sessionId);
    return watch?.ending !== undefined || watch?.checking === true;
  }

  /** The session ended: its timer goes and the record is dropped. Returns why Flux ended it, if it did. */
  ended(sessionId: string): string | undefined {
    const watch = this.watches.get(sessionId);
    watch?.timer?.cancel();
    watch?.handoff?.();
    this.watches.delete(sessionId);
    return watch?.ending;
  }

  /** Cancels every timer (the engine stops). */
  clear(): void {
    for (const watch of this.watches.values()) {
      watch.timer?.cancel();
      watch.handoff?.();
    }
    this.watches.clear();
  }

  get size(): number {
    return this.watches.size;
  }

  private watch(sessionId: string): Watch {
    let watch = this.watches.get(sessionId);
    if (watch === undefined) {
      watch = {};
      this.watches.set(sessionId, watch);
    }
    return watch;
  }

  private prune(sessionId: string): void {
    const watch = this.watches.get(sessionId);
    if (
      watch !== undefined &&
      watch.timer === undefined &&
      watch.handoff === undefined &&
      watch.ending === undefined &&
      watch.checking !== true
    )
      this.watches.delete(sessionId);
  }
}
