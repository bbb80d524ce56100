/**
 * When sessions end: a runner's exit report, a session found dead when the daemon starts, a
 * stage timeout, or `flux sessions kill`. An agent that exits without asking is not trusted:
 * exit 0 gets its acceptance run anyway; a crash restarts the stage with a recovery signal,
 * counted against `max_retries`, then the stage is `failed`.
 */
import type { SessionTelemetry } from "../adapters/agents/types.ts";
import {
  getSession,
  latestSession,
  markSessionEnded,
  openSessions,
  recordTelemetry,
} from "../store/sessions.ts";
import type { SessionTelemetryRecord } from "../store/sessions.ts";
import type { SessionRecord } from "../store/sessions.ts";
import type { Engine } from "./engine.ts";
import { readExitReport } from "./session-files.ts";
import { runVerdict, worktreeOf } from "./completion.ts";
import { removeMergedWorktree } from "./merge.ts";
import { headCommit, dirtyFiles } from "../adapters/git/index.ts";
import { ExitCode, FluxError } from "../core/errors.ts";

/** On daemon start: exits that happened while it was down, dead sessions, live ones adopted. */
export async function readoptSessions(engine: Engine): Promise<void> {
  const plan = engine.store.activePlan();
  if (plan === undefined) return;
  for (const session of openSessions(engine.store, plan.id)) {
    const report = readExitReport(engine.paths.work, session.id);
    if (report !== undefined) {
      sessionEnded(engine, session.id, report.code, report.signal, "exited", report.telemetry);
      continue;
    }
    if (session.backend === "manual") continue;
    if (session.backend === engine.backend.kind && (await engine.backend.isAlive(session.name))) {
      engine.log(`re-adopted ${session.id} (${session.name})`);
      const spec = engine.store.stage(plan.id, session.stageId)?.spec;
      if (spec?.timeoutMs !== undefined) {
        const elapsed = engine.clock().getTime() - Date.parse(session.createdAt);
        armTimeout(engine, session.id, Math.max(0, spec.timeoutMs - elapsed));
      }
      continue;
    }
    sessionEnded(engine, session.id, null, null, "lost");
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
export async function checkSessions(engine: Engine): Promise<void> {
  const plan = engine.store.activePlan();
  if (plan === undefined) return;
  for (const session of openSessions(engine.store, plan.id)) {
    if (session.backend !== engine.backend.kind || engine.busy.has(session.stageId)) continue;
    if (engine.burying.has(session.id) || (await engine.backend.isAlive(session.name))) continue;
    engine.burying.add(session.id);
    clearTimer(engine, session.id);
    engine.timers.set(
      session.id,
      setTimeout(() => {
        engine.timers.delete(session.id);
        engine.burying.delete(session.id);
        const report = readExitReport(engine.paths.work, session.id);
        if (report === undefined) sessionEnded(engine, session.id, null, null, "lost");
        else
          sessionEnded(engine, session.id, report.code, report.signal, "exited", report.telemetry);
      }, REPORT_GRACE_MS),
    );
  }
}

/** A session ended. Handled once: later reports of the same end are ignored. */
export function sessionEnded(
  engine: Engine,
  sessionId: string,
  code: number | null,
  signal: string | null,
  status: "exited" | "killed" | "lost",
  telemetry?: SessionTelemetry,
): void {
  const session = getSession(engine.store, sessionId);
  if (session === undefined) return;
  const { result: first } = engine.store.write((emit) => {
    const ended = markSessionEnded(engine.store, emit, sessionId, {
      status,
      exitCode: code,
      exitSignal: signal,
    });
    if (ended && telemetry !== undefined)
      recordTelemetry(engine.store, emit, sessionId, telemetryRecord(telemetry));
    return ended;
  });
  clearTimer(engine, sessionId);
  const endedBy = engine.ending.get(sessionId);
  engine.ending.delete(sessionId);
  if (!first) {
    engine.project();
    return;
  }
  const stage = engine.store.stage(session.planId, session.stageId);
  const latest = latestSession(engine.store, session.planId, session.stageId);
  if (stage !== undefined && latest?.id === sessionId && stage.state === "merged") {
    // The agent finished after its stage merged: now its worktree can go.
    void engine.runTask(stage.id, "cleanup", () => removeMergedWorktree(engine, stage.id));
    engine.project();
    return;
  }
  if (status === "killed") {
    engine.project();
    return;
  }
  if (stage === undefined || latest?.id !== sessionId || stage.state !== "running") {
    // A completion in flight (checking) decides for itself; other states need nothing.
    engine.project();
    engine.wake("session ended");
    return;
  }
  if (code === 0 && signal === null) {
    exitedWithoutAsking(engine, session);
    return;
  }
  crashed(
    engine,
    session.stageId,
    endedBy === undefined
      ? crashReason(status, code, signal, telemetry)
      : `Flux ended the session: ${endedBy}`,
  );
}

/** Why a session ended without completing, with the agent's own error class when it said. */
function crashReason(
  status: string,
  code: number | null,
  signal: string | null,
  telemetry: SessionTelemetry | undefined,
): string {
  if (status === "lost") return "the session was gone when the daemon looked";
  const base = `the agent exited with ${signal ?? `code ${code}`} without completing`;
  if (telemetry?.errorClass === undefined) return base;
  const message =
    telemetry.errorMessage === undefined ? "" : `: ${telemetry.errorMessage.slice(0, 200)}`;
  return `${base} (${telemetry.errorClass}${message})`;
}

function exitedWithoutAsking(engine: Engine, session: SessionRecord): void {
  const worktree = worktreeOf(engine, session.stageId);
  const dirty = dirtyFiles(worktree);
  if (dirty.length > 0) {
    crashed(
      engine,
      session.stageId,
      `the agent exited leaving uncommitted changes (${dirty.slice(0, 5).join(", ")})`,
    );
    return;
  }
  engine.move(
    session.stageId,
    "session_exited",
    "the agent exited without asking: running its acceptance",
  );
  void runVerdict(engine, session.stageId, {
    trigger: "exit",
    commit: headCommit(worktree),
    sessionId: session.id,
  }).catch((error: unknown) => engine.log(`acceptance after exit failed: ${String(error)}`));
}

/** Restart with a recovery signal, or `failed` when the retries are used up. */
export function crashed(engine: Engine, stageId: string, why: string): void {
  const stage = engine.stage(stageId);
  if (stage.retries >= stage.spec.maxRetries) {
    engine.move(
      stageId,
      "retries_exhausted",
      `${why}; retries exhausted (${stage.spec.maxRetries})`,
    );
  } else {
    engine.nextPurpose.set(stageId, "retry");
    engine.move(stageId, "session_crashed", why);
  }
  engine.wake("crash");
}

export function armTimeout(engine: Engine, sessionId: string, ms: number | undefined): void {
  if (ms === undefined) return;
  clearTimer(engine, sessionId);
  engine.timers.set(
    sessionId,
    setTimeout(() => void timedOut(engine, sessionId), ms),
  );
}

function clearTimer(engine: Engine, sessionId: string): void {
  const timer = engine.timers.get(sessionId);
  if (timer !== undefined) clearTimeout(timer);
  engine.timers.delete(sessionId);
}

/** The stage's timeout: stop the session, restart the stage like a crash. */
async function timedOut(engine: Engine, sessionId: string): Promise<void> {
  engine.timers.delete(sessionId);
  const session = getSession(engine.store, sessionId);
  if (session === undefined || session.endedAt !== null) return;
  // Recorded before the kill: the runner's own report of this end must change nothing.
  engine.store.write((emit) =>
    markSessionEnded(engine.store, emit, sessionId, {
      status: "killed",
      exitCode: null,
      exitSignal: "timeout",
    }),
  );
  const stage = engine.store.stage(session.planId, session.stageId);
  if (stage === undefined || (stage.state !== "running" && stage.state !== "needs_handoff")) {
    engine.project();
    await engine.backend.kill(session.name);
    return;
  }
  const limit =
    stage.spec.timeoutMs === undefined ? "" : ` (${Math.round(stage.spec.timeoutMs / 1000)}s)`;
  if (stage.retries >= stage.spec.maxRetries) {
    engine.move(
      stage.id,
      "retries_exhausted",
      `the session ran past the stage's timeout${limit}; retries exhausted`,
    );
  } else {
    engine.nextPurpose.set(stage.id, "retry");
    engine.move(
      stage.id,
      "timed_out",
      `the session ran past the stage's timeout${limit} and was stopped`,
    );
  }
  await engine.backend.kill(session.name);
  engine.wake("timeout");
}

/** How long an interactive agent has to exit after SIGTERM before its session is killed. */
const END_GRACE_MS = 10_000;

/**
 * Ends an interactive session (a TUI does not exit by itself): SIGTERM to the agent, whose
 * runner then reports the exit as usual; the backend kills the session if it is still there
 * after a grace period. If its stage is still running, the end counts as a crash, with `why`.
 */
export function endSession(engine: Engine, session: SessionRecord, why: string): void {
  if (engine.ending.has(session.id)) return; // on its way out already
  engine.ending.set(session.id, why);
  engine.log(`ending ${session.id} (${session.stageId}): ${why}`);
  engine.store.write((emit) =>
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
  clearTimer(engine, session.id);
  engine.timers.set(
    session.id,
    setTimeout(
      () => {
        engine.timers.delete(session.id);
        void forceEnd(engine, session.id);
      },
      signalled ? END_GRACE_MS : 0,
    ),
  );
}

async function forceEnd(engine: Engine, sessionId: string): Promise<void> {
  const session = getSession(engine.store, sessionId);
  if (session === undefined || session.endedAt !== null) return;
  if (session.backend !== "manual") await engine.backend.kill(session.name);
  sessionEnded(engine, sessionId, null, "SIGKILL", "killed");
}

/** `flux sessions kill`: the session stops, its stage waits for a human. */
export async function killSession(engine: Engine, sessionId: string): Promise<SessionRecord> {
  const session = getSession(engine.store, sessionId);
  if (session === undefined) {
    throw new FluxError("SESSION_NOT_FOUND", `no session ${sessionId}`, {
      hint: "`flux sessions list` shows them",
      exitCode: ExitCode.notFound,
    });
  }
  // Recorded, and the stage blocked, before the kill: the runner's own report of this end
  // (it hears the hang-up at once) must not be taken for a crash and restart the stage.
  sessionEnded(engine, sessionId, null, "SIGTERM", "killed");
  const stage = engine.store.stage(session.planId, session.stageId);
  if (
    stage !== undefined &&
    ["running", "needs_handoff", "checking", "ready"].includes(stage.state)
  ) {
    engine.move(stage.id, "block", "killed by user");
  }
  if (session.backend !== "manual") await engine.backend.kill(session.name);
  return getSession(engine.store, sessionId) ?? session;
}

/** The adapter's telemetry in the store's columns. */
export function telemetryRecord(t: SessionTelemetry): Partial<SessionTelemetryRecord> {
  return {
    agentSessionId: t.agentSessionId ?? null,
    model: t.model ?? null,
    inputTokens: t.usage.inputTokens,
    outputTokens: t.usage.outputTokens,
    cacheCreationTokens: t.usage.cacheCreationTokens,
    cacheReadTokens: t.usage.cacheReadTokens,
    contextTokens: t.contextTokens ?? null,
    costUsd: t.costUsd ?? null,
    costEstimated: t.costEstimated,
    result: t.result ?? null,
    errorClass: t.errorClass ?? null,
    errorMessage: t.errorMessage ?? null,
    turns: t.turns ?? null,
  };
}
