/**
 * The session lifecycle after start: re-adoption when the daemon starts, liveness checks when a
 * backend session closes, a runner's exit report, Flux ending an interactive session, and
 * `flux sessions kill` (stage timeouts: stage-timeout.ts). An agent that exits without asking is
 * not trusted: exit 0 gets its acceptance run anyway; a crash restarts the stage with a recovery signal, counted
 * against `max_retries`, then the stage is `failed`.
 */
import type { SessionTelemetry } from "../adapters/agents/types.ts";
import { getSession, latestSession, markSessionEnded, openSessions } from "../store/sessions.ts";
import { recordFailure, recordTelemetry } from "../store/session-records.ts";
import type { SessionRecord } from "../store/sessions.ts";
import type { EngineContext } from "./context.ts";
import { readExitReport } from "./session-files.ts";
import { dirtyFilesAsync, headCommitAsync, worktreePath } from "../adapters/git/index.ts";
import { sessionNotFound } from "../core/errors.ts";
import { failureOf, killLeftovers, startFailed } from "./failures.ts";
import { hung, watchHealth } from "./health.ts";
import { limitReached, recordLimitWithin } from "./limits.ts";
import { agentLimits } from "../store/limits.ts";
import { isLimitKind } from "../core/limits/policy.ts";
import { telemetryRecord } from "./telemetry.ts";
import { armTimeout } from "./stage-timeout.ts";

/** On daemon start: exits that happened while it was down, dead sessions, live ones adopted. */
export async function readoptSessions(ctx: EngineContext): Promise<void> {
  const plan = ctx.store.activePlan();
  if (plan === undefined) return;
  for (const session of openSessions(ctx.store, plan.id)) {
    const report = readExitReport(ctx.paths.work, session.id);
    if (report !== undefined) {
      sessionEnded(ctx, session.id, report.code, report.signal, "exited", report.telemetry);
      continue;
    }
    if (session.backend === "manual") {
      // Its runner, in a human's terminal, beats to this daemon now: its lifeline is watched.
      watchHealth(ctx, session.id);
      continue;
    }
    if (session.backend === ctx.backend.kind && (await ctx.backend.isAlive(session.name))) {
      ctx.log(`re-adopted ${session.id} (${session.name})`);
      watchHealth(ctx, session.id);
      const state = ctx.store.stage(plan.id, session.stageId)?.state;
      if (session.handoffAskedAt !== null && state === "running") {
        const since = ctx.clock.now().getTime() - Date.parse(session.handoffAskedAt);
        ctx.rearmHandoff(session.id, ctx.handoff.timeoutMs - since);
      }
      const spec = ctx.store.stage(plan.id, session.stageId)?.spec;
      if (spec?.timeoutMs !== undefined) {
        const elapsed = ctx.clock.now().getTime() - Date.parse(session.createdAt);
        armTimeout(ctx, session.id, Math.max(0, spec.timeoutMs - elapsed));
      }
      continue;
    }
    sessionEnded(ctx, session.id, null, null, "lost");
  }
}

/** How long a runner whose session is gone still has to report (a closed pane hangs it up). */
const REPORT_GRACE_MS = 3_000;

/**
 * A backend session ended (tmux's session-closed hook, a child's exit): any open session whose
 * backend session is gone gets a moment for its runner's report, then ends with what exit.json
 * says or as lost — a runner killed outright never reports. A stage being started is skipped:
 * its session row exists before its tmux session does.
 */
export async function checkSessions(ctx: EngineContext): Promise<void> {
  const plan = ctx.store.activePlan();
  if (plan === undefined) return;
  for (const session of openSessions(ctx.store, plan.id)) {
    if (session.backend !== ctx.backend.kind) continue;
    if (ctx.tasks.has(session.stageId)) {
      // Its stage is being started (the row exists before the backend session does) or has a
      // task in flight: look again once that task has ended.
      if (ctx.sessions.beginCheck(session.id)) {
        void ctx.tasks
          .idle(session.stageId)
          .then(() => {
            ctx.sessions.endCheck(session.id);
            return checkSessions(ctx);
          })
          .catch((error: unknown) => ctx.log(`checking sessions failed: ${String(error)}`));
      }
      continue;
    }
    if (ctx.sessions.busy(session.id) || ctx.sessions.timer(session.id) === "report-grace")
      continue;
    if (await ctx.backend.isAlive(session.name)) continue;
    ctx.sessions.arm(session.id, "report-grace", REPORT_GRACE_MS, () => endGone(ctx, session.id));
  }
}

/**
 * A session found gone (its backend session closed, its lifeline lapsed): it ends as its
 * runner's exit.json says, or as lost — a runner killed outright never writes one.
 */
export function endGone(ctx: EngineContext, sessionId: string): void {
  const report = readExitReport(ctx.paths.work, sessionId);
  if (report === undefined) sessionEnded(ctx, sessionId, null, null, "lost");
  else sessionEnded(ctx, sessionId, report.code, report.signal, "exited", report.telemetry);
}

/** A session ended. Handled once: later reports of the same end are ignored. */
export function sessionEnded(
  ctx: EngineContext,
  sessionId: string,
  code: number | null,
  signal: string | null,
  status: "exited" | "killed" | "lost",
  telemetry?: SessionTelemetry,
): void {
  const session = getSession(ctx.store, sessionId);
  if (session === undefined) return;
  // The end, its telemetry, its limit and its failure class in one transaction: what follows
  // is decided from them (routeEnd), now or by the next daemon.
  const { result: first } = ctx.store.write((emit) => {
    const ended = markSessionEnded(ctx.store, emit, sessionId, {
      status,
      exitCode: code,
      exitSignal: signal,
    });
    if (!ended) return false;
    if (telemetry !== undefined)
      recordTelemetry(ctx.store, emit, sessionId, telemetryRecord(telemetry));
    recordLimitWithin(ctx, emit, session, telemetry);
    // Why it failed: only for the live session of a live stage.
    const failure =
      status === "killed" ? undefined : failureOf(ctx, session, status, code, signal, telemetry);
    if (failure !== undefined)
      recordFailure(ctx.store, emit, sessionId, failure.class, failure.detail);
    return true;
  });
  const endedBy = ctx.sessions.ended(sessionId);
  ctx.health.watch.forget(sessionId);
  if (!first) {
    ctx.project();
    return;
  }
  routeEnd(ctx, sessionId, endedBy, false);
}

/**
 * What follows a session's end, decided from what the store recorded of it alone (its status,
 * exit, error class, failure class, limit, the handoff asked of it) — so a daemon that died
 * between recording an end and acting on it decides the same after a restart
 * (`settleEndedSessions`). `endedBy`: why Flux ended it, when this daemon did. A session Flux
 * killed is its killer's to follow up (`flux sessions kill` blocks the stage, a timeout
 * restarts it); only after a restart, with that caller gone, does a kill count as a crash.
 */
function routeEnd(
  ctx: EngineContext,
  sessionId: string,
  endedBy: string | undefined,
  afterRestart: boolean,
): void {
  const session = getSession(ctx.store, sessionId);
  if (session === undefined) return;
  const stage = ctx.store.stage(session.planId, session.stageId);
  const latest = latestSession(ctx.store, session.planId, session.stageId);
  if (stage !== undefined && latest?.id === sessionId && stage.state === "merged") {
    // The agent finished after its stage merged: now its worktree can go.
    ctx.tasks.spawn(
      stage.id,
      "cleanup",
      () => ctx.removeMergedWorktree(stage.id),
      (error) => ctx.log(`removing the worktree of ${stage.id} failed: ${String(error)}`),
    );
    ctx.project();
    return;
  }
  if (session.status === "killed" && (!afterRestart || stage?.state !== "running")) {
    ctx.project();
    // A session Flux ended after a handoff: its continuation can start now.
    if (stage?.state === "needs_handoff") ctx.wake("session ended");
    return;
  }
  if (stage === undefined || latest?.id !== sessionId || stage.state !== "running") {
    // A completion in flight (checking) decides for itself; other states need nothing.
    ctx.project();
    ctx.wake("session ended");
    return;
  }
  // Its own limit row, or — another session of the agent having replaced it since — the
  // agent's current one: a limit is never taken for a crash.
  const limits = agentLimits(ctx.store);
  const limit =
    limits.find((l) => l.sessionId === session.id) ??
    (isLimitKind(session.errorClass) ? limits.find((l) => l.agent === session.agent) : undefined);
  if (limit !== undefined) {
    // The provider's limit, not the stage's failure: the stage goes on from a handoff.
    limitReached(ctx, session, limit);
    return;
  }
  if (session.handoffAskedAt !== null) {
    // Told to hand off, it ended without doing it (or its runner ended it at red): Flux
    // writes the handoff, and a fresh session continues (handoff.ts).
    ctx.move(
      session.stageId,
      "handoff_requested",
      `the session ended at its hand-off point without a handoff of its own: Flux writes it`,
    );
    ctx.wake("handoff");
    return;
  }
  if (session.status === "exited" && session.exitCode === 0 && session.exitSignal === null) {
    exitedWithoutAsking(ctx, session).catch((error: unknown) => {
      ctx.log(`acceptance after exit failed: ${String(error)}`);
      // Its worktree could not be read: a crash like any other, never a stage left running.
      if (ctx.store.stage(session.planId, session.stageId)?.state === "running")
        crashed(
          ctx,
          session.stageId,
          `its worktree could not be read after it exited: ${String(error)}`,
        );
    });
    return;
  }
  if (session.failure === "infrastructure" && endedBy === undefined) {
    startFailed(ctx, session);
    return;
  }
  if (session.status === "lost") {
    killLeftovers(ctx, session);
    const { retries, spec } = ctx.stage(session.stageId);
    if (!session.warnings.some((w) => w.kind === "hung"))
      hung(
        ctx,
        sessionId,
        retries >= spec.maxRetries
          ? `its stage failed: retries exhausted (${spec.maxRetries})`
          : `Flux restarted its stage with a recovery signal (retry ${retries + 1} of ${spec.maxRetries})`,
      );
  }
  crashed(
    ctx,
    session.stageId,
    endedBy === undefined ? crashReason(session) : `Flux ended the session: ${endedBy}`,
  );
}

/**
 * On daemon start: a running stage whose latest session has ended had its end recorded by a
 * daemon that died before acting on it. Decided now, from the store.
 */
export function settleEndedSessions(ctx: EngineContext): void {
  const plan = ctx.store.activePlan();
  if (plan === undefined) return;
  for (const stage of ctx.store.stages(plan.id)) {
    if (stage.state !== "running" || ctx.tasks.has(stage.id)) continue;
    const latest = latestSession(ctx.store, plan.id, stage.id);
    if (latest === undefined || latest.endedAt === null) continue;
    ctx.log(
      `${stage.id}: its session ${latest.id} ended without its stage moving on: deciding now`,
    );
    routeEnd(ctx, latest.id, undefined, true);
  }
}

/** Why a session ended without completing, with the agent's own error class when it said. */
function crashReason(session: SessionRecord): string {
  if (session.status === "lost") return "the session was gone when the daemon looked";
  if (session.status === "killed") return "its session was ended while the daemon was down";
  const base = `the agent exited with ${session.exitSignal ?? `code ${session.exitCode}`} without completing`;
  if (session.errorClass === null) return base;
  const message = session.errorMessage === null ? "" : `: ${session.errorMessage.slice(0, 200)}`;
  return `${base} (${session.errorClass}${message})`;
}

/** Exit 0 without a completion request: its acceptance runs anyway (or it crashed, if dirty). */
async function exitedWithoutAsking(ctx: EngineContext, session: SessionRecord): Promise<void> {
  const worktree = worktreePath(ctx.paths.root, session.stageId);
  const [dirty, commit] = await Promise.all([dirtyFilesAsync(worktree), headCommitAsync(worktree)]);
  // git ran off the event loop: the stage may have moved meanwhile (a human, a kill).
  const stage = ctx.store.stage(session.planId, session.stageId);
  const latest = latestSession(ctx.store, session.planId, session.stageId);
  if (stage?.state !== "running" || latest?.id !== session.id) return;
  if (dirty.length > 0) {
    crashed(
      ctx,
      session.stageId,
      `the agent exited leaving uncommitted changes (${dirty.slice(0, 5).join(", ")})`,
    );
    return;
  }
  ctx.move(
    session.stageId,
    "session_exited",
    "the agent exited without asking: running its acceptance",
  );
  await ctx.verdict(session.stageId, { trigger: "exit", commit, sessionId: session.id });
}

/** Restart with a recovery signal, or `failed` when the retries are used up. */
export function crashed(ctx: EngineContext, stageId: string, why: string): void {
  const stage = ctx.stage(stageId);
  if (stage.retries >= stage.spec.maxRetries) {
    ctx.move(stageId, "retries_exhausted", `${why}; retries exhausted (${stage.spec.maxRetries})`);
  } else {
    ctx.run.setPurpose(stageId, "retry");
    ctx.move(stageId, "session_crashed", why);
  }
  ctx.wake("crash");
}

/** How long an interactive agent has to exit after SIGTERM before its session is killed. */
const END_GRACE_MS = 10_000;

/**
 * Ends an interactive session (a TUI does not exit by itself): SIGTERM to the agent, whose
 * runner then reports the exit as usual; the backend kills the session if it is still there
 * after a grace period. If its stage is still running, the end counts as a crash, with `why`.
 */
export function endSession(ctx: EngineContext, session: SessionRecord, why: string): void {
  if (!ctx.sessions.beginEnding(session.id, why)) return; // on its way out already
  ctx.log(`ending ${session.id} (${session.stageId}): ${why}`);
  ctx.store.write((emit) =>
    emit({
      type: "session.ending",
      planId: session.planId,
      stageId: session.stageId,
      data: { session: session.id, reason: why },
    }),
  );
  let signalled = false;
  if (session.pid !== null) {
    try {
      process.kill(session.pid, "SIGTERM");
      signalled = true;
    } catch {
      // Gone already: its runner's report is on its way, or the backend finds out below.
    }
  }
  ctx.sessions.arm(session.id, "end-grace", signalled ? END_GRACE_MS : 0, () => {
    forceEnd(ctx, session.id).catch((error: unknown) =>
      ctx.log(`ending ${session.id} failed: ${String(error)}`),
    );
  });
}

async function forceEnd(ctx: EngineContext, sessionId: string): Promise<void> {
  const session = getSession(ctx.store, sessionId);
  if (session === undefined || session.endedAt !== null) return;
  // A newer session of the stage (a resolution started right after a completion) has the
  // name now: the old one's tmux went when it started, and the new one must not go with it.
  const latest = latestSession(ctx.store, session.planId, session.stageId);
  if (session.backend !== "manual" && latest?.id === sessionId)
    await ctx.backend.kill(session.name);
  sessionEnded(ctx, sessionId, null, "SIGKILL", "killed");
}

/** `flux sessions kill`: the session stops, its stage waits for a human. */
export async function killSession(ctx: EngineContext, sessionId: string): Promise<SessionRecord> {
  const session = getSession(ctx.store, sessionId);
  if (session === undefined) throw sessionNotFound(sessionId);
  // Recorded, and the stage blocked, before the kill: the runner's own report of this end
  // (it hears the hang-up at once) must not be taken for a crash and restart the stage.
  sessionEnded(ctx, sessionId, null, "SIGTERM", "killed");
  const stage = ctx.store.stage(session.planId, session.stageId);
  if (
    stage !== undefined &&
    ["running", "needs_handoff", "checking", "ready"].includes(stage.state)
  ) {
    ctx.move(stage.id, "block", "killed by user");
  }
  if (session.backend !== "manual") await ctx.backend.kill(session.name);
  return getSession(ctx.store, sessionId) ?? session;
}
