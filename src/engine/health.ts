/**
 * Health warnings on live sessions (core/health.ts has the rules), each kept on the session
 * and shown in `flux status` with what Flux did about it:
 *
 * - `long_running`: one timer per session at its creation + `[health] long_running`.
 * - `stalled`: one timer per session at its last sign of life + `[health] stalled`. Signs of
 *   life are its log growing (every output line of a headless agent), a context report (every
 *   model call) and a hook (an interactive agent's every tool call): at the deadline the
 *   engine looks once (a stat and a row) and either raises the warning or sets the timer for
 *   the new deadline. A report or hook from a stalled session clears it.
 * - `many_turns`: from the turn count the runner sends with its context reports.
 * - `hung`: raised where a session is found gone while its stage ran (lifecycle.ts).
 *
 * Timers are re-armed for every open session when the daemon starts (lifecycle.ts), so a
 * restart loses none; what was raised is in the store.
 */
import fs from "node:fs";
import os from "node:os";
import type { HealthWarning, HealthWarningKind, MachineReading } from "../core/health.ts";
import { manyTurns, stalledAt, throttleReason } from "../core/health.ts";
import { formatDuration } from "../core/plan/duration.ts";
import type { SessionRecord } from "../store/sessions.ts";
import { clearWarning, getSession, recordWarning } from "../store/sessions.ts";
import type { Clock } from "./clock.ts";
import type { EngineContext } from "./context.ts";
import { logFile } from "./session-files.ts";

/** The health timers of open sessions: one stall check and one long-running alarm each. */
export class HealthWatch {
  private readonly timers = new Map<string, Map<"stall" | "long", () => void>>();

  constructor(private readonly clock: Clock) {}

  arm(sessionId: string, kind: "stall" | "long", ms: number, fn: () => void): void {
    const own = this.timers.get(sessionId) ?? new Map<"stall" | "long", () => void>();
    this.timers.set(sessionId, own);
    own.get(kind)?.();
    const cancel = this.clock.after(Math.max(0, ms), () => {
      if (own.get(kind) === cancel) own.delete(kind);
      fn();
    });
    own.set(kind, cancel);
  }

  /** Why new sessions wait for the machine now, if they do; the timer that looks again. */
  throttled: string | undefined;
  private recheck: (() => void) | undefined;

  /** Looks at the machine again in `ms` (one timer: setting it again replaces it). */
  armRecheck(ms: number, fn: () => void): void {
    this.recheck?.();
    this.recheck = this.clock.after(ms, () => {
      this.recheck = undefined;
      fn();
    });
  }

  /** The session ended: its timers go. */
  forget(sessionId: string): void {
    for (const cancel of this.timers.get(sessionId)?.values() ?? []) cancel();
    this.timers.delete(sessionId);
  }

  clear(): void {
    for (const id of [...this.timers.keys()]) this.forget(id);
    this.recheck?.();
    this.recheck = undefined;
  }

  /** Timers armed now (for tests). */
  get size(): number {
    let n = 0;
    for (const own of this.timers.values()) n += own.size;
    return n;
  }
}

/** Arms the health timers of a session that runs (started now, or re-adopted after a restart). */
export function watchHealth(ctx: EngineContext, sessionId: string): void {
  const session = getSession(ctx.store, sessionId);
  if (session === undefined || session.endedAt !== null) return;
  const now = ctx.clock.now().getTime();
  const settings = ctx.health.settings;
  if (!session.warnings.some((w) => w.kind === "long_running")) {
    const due = Date.parse(session.createdAt) + settings.longRunningMs;
    ctx.health.watch.arm(sessionId, "long", due - now, () => longRunning(ctx, sessionId));
  }
  const due = stalledAt(lastSignOfLife(ctx, session), settings);
  ctx.health.watch.arm(sessionId, "stall", due - now, () => checkStall(ctx, sessionId));
}

/** A sign of life from a session (a context report, a hook): a stalled warning no longer holds. */
export function sessionActive(ctx: EngineContext, sessionId: string): void {
  const session = getSession(ctx.store, sessionId);
  if (session === undefined || !session.warnings.some((w) => w.kind === "stalled")) return;
  ctx.store.write((emit) => clearWarning(ctx.store, emit, sessionId, "stalled"));
  ctx.project();
  watchHealth(ctx, sessionId);
}

/** The runner's turn count came with a context report: past the line, the session is flagged. */
export function checkTurns(ctx: EngineContext, session: SessionRecord, turns: number): void {
  const stage = ctx.store.stage(session.planId, session.stageId);
  const max = stage?.spec.maxTurns;
  if (!manyTurns(turns, max, ctx.health.settings.manyTurnsPercent)) return;
  if (session.warnings.some((w) => w.kind === "many_turns")) return;
  raise(
    ctx,
    session.id,
    "many_turns",
    `turn ${turns} of max_turns ${max}`,
    "none yet: at max_turns the agent stops, and Flux restarts the stage with a recovery signal",
  );
}

function longRunning(ctx: EngineContext, sessionId: string): void {
  const session = getSession(ctx.store, sessionId);
  if (session === undefined || session.endedAt !== null) return;
  const stage = ctx.store.stage(session.planId, session.stageId);
  const timeout = stage?.spec.timeoutMs;
  raise(
    ctx,
    sessionId,
    "long_running",
    `running for ${formatDuration(ctx.health.settings.longRunningMs)}`,
    timeout === undefined
      ? "none: the stage has no `timeout` to bound it"
      : `none yet: the stage's timeout stops it after ${formatDuration(timeout)}`,
  );
}

function checkStall(ctx: EngineContext, sessionId: string): void {
  const session = getSession(ctx.store, sessionId);
  if (session === undefined || session.endedAt !== null) return;
  const settings = ctx.health.settings;
  const now = ctx.clock.now().getTime();
  const last = lastSignOfLife(ctx, session);
  const waiting = session.waitingFor !== null; // waits for a human: that is not a stall
  if (
    !waiting &&
    now >= stalledAt(last, settings) &&
    !session.warnings.some((w) => w.kind === "stalled")
  ) {
    const since = new Date(last).toISOString();
    raise(
      ctx,
      sessionId,
      "stalled",
      `no output, model call or hook since ${since} (${formatDuration(now - last)})`,
      `none yet: \`flux attach ${session.stageId}\` to look, \`flux sessions kill ${session.id}\` to stop it`,
    );
  }
  // Looked again after another full period of silence, or at the new deadline.
  const next = Math.max(stalledAt(last, settings), now + settings.stalledMs / 2);
  ctx.health.watch.arm(sessionId, "stall", next - now, () => checkStall(ctx, sessionId));
}

/** Its latest sign of life (epoch ms): the row's last change, a context report, its log. */
function lastSignOfLife(ctx: EngineContext, session: SessionRecord): number {
  let last = Math.max(Date.parse(session.createdAt), Date.parse(session.updatedAt));
  if (session.contextAt !== null) last = Math.max(last, Date.parse(session.contextAt));
  try {
    last = Math.max(last, fs.statSync(logFile(ctx.paths.work, session.id)).mtimeMs);
  } catch {
    // No log yet: the row's times stand.
  }
  return last;
}

function raise(
  ctx: EngineContext,
  sessionId: string,
  kind: HealthWarningKind,
  detail: string,
  action: string,
): void {
  const warning: HealthWarning = { kind, at: ctx.clock.now().toISOString(), detail, action };
  ctx.store.write((emit) => recordWarning(ctx.store, emit, sessionId, warning));
  ctx.log(`${sessionId}: ${kind}: ${detail}`);
  ctx.project();
}

/** Raises `hung` on a session found gone while its stage ran, saying what Flux did next. */
export function hung(ctx: EngineContext, sessionId: string, action: string): void {
  raise(ctx, sessionId, "hung", "its process was gone while the store said it ran", action);
}

/** This machine's free memory and load, for the throttle. */
export type MachineReader = () => MachineReading;

export const readMachine: MachineReader = () => ({
  freeMemory: os.freemem(),
  load1: os.loadavg()[0] ?? 0,
  cpus: os.availableParallelism(),
});

/** How often a throttled scheduler looks at the machine again. */
export const RECHECK_MS = 15_000;

/**
 * May new sessions start, as far as the machine goes? When not, the run is told once (and
 * again when they may), and the machine is looked at again in RECHECK_MS: nothing else would
 * wake the scheduler when memory frees up.
 */
export function machineAllows(ctx: EngineContext): boolean {
  const watch = ctx.health.watch;
  const reason = throttleReason(ctx.health.machine(), ctx.health.settings);
  if (reason === undefined) {
    if (watch.throttled !== undefined) tell(ctx, "the machine has room again: sessions start");
    watch.throttled = undefined;
    return true;
  }
  if (watch.throttled === undefined) tell(ctx, `new sessions wait: ${reason}`);
  watch.throttled = reason;
  watch.armRecheck(RECHECK_MS, () => ctx.wake("machine recheck"));
  return false;
}

/** A note for `flux run`'s follower (each time, unlike `ctx.notice`). */
function tell(ctx: EngineContext, text: string): void {
  ctx.log(`notice: ${text}`);
  const planId = ctx.store.activePlan()?.id ?? null;
  ctx.store.write((emit) => emit({ type: "run.notice", planId, stageId: null, data: { text } }));
}
