/**
 * A stage's `timeout`: armed for each session when it starts (or is re-adopted), it stops a
 * session that runs past it and restarts the stage like a crash, within `max_retries`.
 */
import { getSession, markSessionEnded } from "../store/sessions.ts";
import type { EngineContext } from "./context.ts";

/** Arms the stage's timeout for a session (nothing when the stage has none). */
export function armTimeout(ctx: EngineContext, sessionId: string, ms: number | undefined): void {
  if (ms === undefined) return;
  ctx.sessions.arm(sessionId, "timeout", ms, () => {
    timedOut(ctx, sessionId).catch((error: unknown) =>
      ctx.log(`the timeout of ${sessionId} failed: ${String(error)}`),
    );
  });
}

/** The stage's timeout: stop the session, restart the stage like a crash. */
async function timedOut(ctx: EngineContext, sessionId: string): Promise<void> {
  const session = getSession(ctx.store, sessionId);
  if (session === undefined || session.endedAt !== null) return;
  // Recorded before the kill: the runner's own report of this end must change nothing.
  ctx.store.write((emit) =>
    markSessionEnded(ctx.store, emit, sessionId, {
      status: "killed",
      exitCode: null,
      exitSignal: "timeout",
    }),
  );
  const stage = ctx.store.stage(session.planId, session.stageId);
  if (stage === undefined || (stage.state !== "running" && stage.state !== "needs_handoff")) {
    ctx.project();
    await ctx.backend.kill(session.name);
    return;
  }
  const limit =
    stage.spec.timeoutMs === undefined ? "" : ` (${Math.round(stage.spec.timeoutMs / 1000)}s)`;
  if (stage.retries >= stage.spec.maxRetries) {
    ctx.move(
      stage.id,
      "retries_exhausted",
      `the session ran past the stage's timeout${limit}; retries exhausted`,
    );
  } else {
    ctx.run.setPurpose(stage.id, "retry");
    ctx.move(
      stage.id,
      "timed_out",
      `the session ran past the stage's timeout${limit} and was stopped`,
    );
  }
  await ctx.backend.kill(session.name);
  ctx.wake("timeout");
}
