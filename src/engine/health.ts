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
 * How a dead runner is found: its exit report; else tmux's session-closed hook (or the process
 * backend's exit) pokes the daemon; else its lifeline lapses. The lifeline is one timer per
 * session at its last sign of life + 3 × `[health] heartbeat`: a heartbeat, a start or context
 * report, a hook. A sign of life only writes a time in memory (HealthWatch.heard), so 50 runners
 * beating cost no timer churn and no store writes; the timer, when it fires early, moves to the
 * new deadline. At the deadline the engine asks the backend (the agent's pid for a `manual`
 * session): gone, the session ends as its report-grace would end it (lifecycle.ts endGone), as
 * lost when its runner left no exit.json, which flags it `hung` and restarts its stage; alive,
 * it is silent — logged once, looked at again a lifeline later, never a warning (`stalled` is
 * about silence).
 *
 * Timers are re-armed for every open session when the daemon starts (lifecycle.ts), so a
 * restart loses none (a lifeline starts afresh: its runner beats to the new daemon); what was
 * raised is in the store.
 */
import fs from "node:fs";
import os from "node:os";
import { leaderStatus } from "../adapters/process/proc.ts";
import { sessionNotFound } from "../core/errors.ts";
import type { HealthWarning, HealthWarningKind, MachineReading } from "../core/health.ts";
import { lifelineAt, lifelineMs, manyTurns, stalledAt, throttleReason } from "../core/health.ts";
import { formatDuration } from "../core/plan/duration.ts";
import type { SessionRecord } from "../store/sessions.ts";
import { getSession } from "../store/sessions.ts";
import { clearWarning, recordWarning } from "../store/session-records.ts";
import type { Clock } from "./clock.ts";
import type { EngineContext } from "./context.ts";
import { logFile } from "./session-files.ts";

/** Which deadline a health timer stands for. */
type HealthTimer = "stall" | "long" | "lifeline";

/** A session's lifeline: when it was last heard from (epoch ms), and whether its silence was logged. */
interface Lifeline {
  heardAt: number;
  silent: boolean;
}

/** The health timers of open sessions: a stall check, a long-running alarm and a lifeline each. */
export class HealthWatch {
  private readonly timers = new Map<string, Map<HealthTimer, () => void>>();
  private readonly lifelines = new Map<string, Lifeline>();

  constructor(private readonly clock: Clock) {}

  arm(sessionId: string, kind: HealthTimer, ms: number, fn: () => void): void {
    const own = this.timers.get(sessionId) ?? new Map<HealthTimer, () => void>();
    this.timers.set(sessionId, own);
    own.get(kind)?.();
    const cancel = this.clock.after(Math.max(0, ms), () => {
      if (own.get(kind) === cancel) own.delete(kind);
      fn();
    });
    own.set(kind, cancel);
  }

  /** Watches a session's lifeline afresh, as heard from at `at` (epoch ms). */
  watchLifeline(sessionId: string, at: number): void {
    this.lifelines.set(sessionId, { heardAt: at, silent: false });
  }

  /** A sign of life at `at` (epoch ms): a time written, no timer moved. False when unwatched. */
  heard(sessionId: string, at: number): boolean {
    const line = this.lifelines.get(sessionId);
    if (line === undefined) return false;
    line.heardAt = Math.max(line.heardAt, at);
    line.silent = false;
    return true;
  }

  lifeline(sessionId: string): Lifeline | undefined {
    return this.lifelines.get(sessionId);
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
    this.lifelines.delete(sessionId);
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
  ctx.health.watch.watchLifeline(sessionId, now);
  armLifeline(ctx, sessionId, lifelineMs(settings));
}

/** A sign of life from a session (a context report, a hook): a stalled warning no longer holds. */
export function sessionActive(ctx: EngineContext, sessionId: string): void {
  heardFrom(ctx, sessionId);
  const session = getSession(ctx.store, sessionId);
  if (session === undefined || !session.warnings.some((w) => w.kind === "stalled")) return;
  ctx.store.write((emit) => clearWarning(ctx.store, emit, sessionId, "stalled"));
  ctx.project();
  watchHealth(ctx, sessionId);
}

/** A sign of life for the lifeline alone (a runner's start report): false when unwatched. */
export function heardFrom(ctx: EngineContext, sessionId: string): boolean {
  return ctx.health.watch.heard(sessionId, ctx.clock.now().getTime());
}

/**
 * A runner's heartbeat: true while its session is open. The common case writes one time in
 * memory; only a session not watched yet is looked up.
 */
export function heartbeat(ctx: EngineContext, sessionId: string): boolean {
  if (heardFrom(ctx, sessionId)) return true;
  const session = getSession(ctx.store, sessionId);
  if (session === undefined) throw sessionNotFound(sessionId);
  if (session.endedAt !== null) return false;
  // Open, not watched yet: the daemon is starting and has not re-adopted it so far.
  watchHealth(ctx, sessionId);
  return true;
}

function armLifeline(ctx: EngineContext, sessionId: string, ms: number): void {
  ctx.health.watch.arm(sessionId, "lifeline", ms, () => checkLifeline(ctx, sessionId));
}

/**
 * The lifeline's timer fired. Heard from since it was set: it moves to the new deadline (no
 * store, no backend). Unheard for the whole lifeline: does the session live?
 */
function checkLifeline(ctx: EngineContext, sessionId: string): void {
  const line = ctx.health.watch.lifeline(sessionId);
  if (line === undefined) return;
  const settings = ctx.health.settings;
  const now = ctx.clock.now().getTime();
  const due = lifelineAt(line.heardAt, settings);
  if (now < due) {
    armLifeline(ctx, sessionId, due - now);
    return;
  }
  const session = getSession(ctx.store, sessionId);
  if (session === undefined || session.endedAt !== null) return;
  // Being started or checked (a task of its stage), ended by Flux, or awaited after its backend
  // session closed: that path decides. Looked at again a beat later.
  if (
    ctx.tasks.has(session.stageId) ||
    ctx.sessions.busy(sessionId) ||
    ctx.sessions.timer(sessionId) === "report-grace"
  ) {
    armLifeline(ctx, sessionId, settings.heartbeatMs);
    return;
  }
  ctx.sessions.beginCheck(sessionId);
  const heardAt = line.heardAt;
  const silence = formatDuration(now - heardAt);
  void lives(ctx, session)
    .then((alive) => {
      ctx.sessions.endCheck(sessionId);
      // Ended meanwhile (its exit report came), or watched afresh: nothing left to decide here.
      if (ctx.health.watch.lifeline(sessionId) !== line) return;
      if (!alive && line.heardAt === heardAt) {
        ctx.log(`${sessionId}: no heartbeat for ${silence} and its session is gone`);
        ctx.endGone(sessionId);
        return;
      }
      if (!line.silent && line.heardAt === heardAt) {
        line.silent = true;
        ctx.log(`${sessionId}: no heartbeat for ${silence}, but its session is alive`);
      }
      // A silent session is asked again a lifeline later, not every beat (each ask runs tmux).
      armLifeline(ctx, sessionId, lifelineMs(settings));
    })
    .catch((error: unknown) => {
      ctx.sessions.endCheck(sessionId);
      ctx.log(`checking the lifeline of ${sessionId} failed: ${String(error)}`);
      if (ctx.health.watch.lifeline(sessionId) === line)
        armLifeline(ctx, sessionId, settings.heartbeatMs);
    });
}

/**
 * Whether a session's process still runs, as far as the engine can tell (what it cannot tell
 * counts as alive): its backend session; for a `manual` one, the agent's recorded pid.
 */
async function lives(ctx: EngineContext, session: SessionRecord): Promise<boolean> {
  if (session.backend === "manual")
    // A human starts its runner: until it reports a start there is no pid to look at.
    return (
      session.pid === null || leaderStatus(session.pid, session.pidStart ?? undefined) === "alive"
    );
  // A session of another backend (the daemon's changed since): this one cannot see it.
  if (session.backend !== ctx.backend.kind) return true;
  return ctx.backend.isAlive(session.name);
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
