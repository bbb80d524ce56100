/**
 * What Flux does about a session's context (DESIGN.md §4). Reports come from the session's
 * runner after each model call (Claude's stream, opencode's stream, Codex's rollout) and from
 * Claude's hooks around each tool call once the context is past `warn`. Each is recorded; the
 * answer says what the agent must do now:
 *
 * - below `handoff`: nothing;
 * - at red (`handoff`): write its handoff and stop — Claude is told through its hooks; a Codex
 *   or opencode runner ends the agent, and Flux writes the handoff (the CLI cannot be told
 *   mid-turn). An agent told to hand off that makes more than `handoff_steps` tool calls, or
 *   has not done it within `handoff_timeout`, or ends without it, gets the backstop;
 * - at the hard limit: the backstop at once — no tool runs any more (Claude: the PreToolUse
 *   hook denies it and stops the session), Flux stops the session and writes the handoff.
 *
 * The backstop moves the stage to `needs_handoff` before the session is stopped: a daemon
 * killed in between finds the stage there and finishes the job (handoff.ts).
 */
import { checkTurns, sessionActive } from "./health.ts";
import fs from "node:fs";
import path from "node:path";
import {
  contextLevel,
  contextPercent,
  contextPolicy,
  contextWindow,
} from "../core/context/levels.ts";
import type { ContextPolicy } from "../core/context/levels.ts";
import { CONTEXT_MARKER } from "../adapters/agents/claude/context-gate.ts";
import { handoffTemplate } from "../core/handoff/render.ts";
import { handoffCommandFor } from "../core/signal/data.ts";
import type { SessionRecord } from "../store/sessions.ts";
import { getSession, latestSession } from "../store/sessions.ts";
import { recordContext } from "../store/session-records.ts";
import type { EngineContext } from "./context.ts";
import type { ContextAnswer, ContextReportBody } from "./hook-events.ts";
import { endSession } from "./lifecycle.ts";
import { sessionDir } from "./session-files.ts";

export function reportContext(
  ctx: EngineContext,
  sessionId: string,
  body: ContextReportBody,
): ContextAnswer {
  const session = getSession(ctx.store, sessionId);
  if (session === undefined) return { percent: 0, level: "green", action: "none" };
  const stage = ctx.store.stage(session.planId, session.stageId);
  const policy = sessionPolicy(ctx, stage?.spec.context);
  const window = contextWindow({
    reported: body.window,
    configured: policy.window,
    model: body.model ?? session.model,
  });
  const percent = contextPercent(body.tokens, window);
  const level = contextLevel(percent, policy);
  const figure = { percent, level };
  const stop = (instruction: string): ContextAnswer => ({ ...figure, action: "stop", instruction });
  if (session.endedAt !== null) return stop("Flux: this session has ended. Stop now.");
  ctx.store.write((emit) =>
    recordContext(ctx.store, emit, sessionId, { tokens: body.tokens, window, percent, level }),
  );
  sessionActive(ctx, sessionId);
  if (body.turns !== undefined) checkTurns(ctx, session, body.turns);
  if (level !== "green") markWatched(ctx, session);
  const latest = latestSession(ctx.store, session.planId, session.stageId);
  if (stage === undefined || latest?.id !== session.id)
    return stop("Flux: another session has taken over this stage. Stop now.");
  // Handed off already (its own handoff, or Flux is writing one): nothing more runs.
  if (stage.state === "needs_handoff")
    return stop(
      "Flux: this stage has handed off; a fresh session continues from the handoff. Stop now: run nothing more.",
    );
  if (stage.state !== "running") return { ...figure, action: "none" };
  if (level === "limit") {
    backstop(ctx, session, `its context reached ${percent}%, over the ${policy.hard}% limit`);
    return stop(
      `Flux: this session's context reached ${percent}%, over its ${policy.hard}% limit. It stops now; Flux writes the handoff from your commits and a fresh session continues.`,
    );
  }
  if (level !== "red" && session.handoffAskedAt === null) return { ...figure, action: "none" };
  if (session.handoffAskedAt === null) askForHandoff(ctx, session, percent, policy);
  if (body.phase === "post-tool") {
    const steps = countStep(ctx, session.id);
    if (steps > ctx.handoff.steps) {
      backstop(
        ctx,
        session,
        `it was told to hand off at ${percent}% and made ${ctx.handoff.steps} more tool calls without doing it`,
      );
      return stop(
        `Flux: you were told to hand off and made ${ctx.handoff.steps} more tool calls without doing it. This session stops now; Flux writes the handoff from your commits.`,
      );
    }
  }
  return {
    ...figure,
    action: "handoff",
    instruction: handoffInstruction(stage.spec.agent, percent, policy),
  };
}

/** The thresholds of a stage: `[context]`, then the plan's defaults and the stage's own. */
export function sessionPolicy(
  ctx: EngineContext,
  stageContext: Parameters<typeof contextPolicy>[0],
): ContextPolicy {
  return contextPolicy(ctx.handoff.settings, stageContext);
}

/** What the agent is told at red, as hook feedback or the next prompt. */
export function handoffInstruction(agent: string, percent: number, policy: ContextPolicy): string {
  const command = handoffCommandFor(agent);
  return [
    `Flux: your context is at ${percent}% of the model's window (hand-off point ${policy.handoff}%, hard limit ${policy.hard}%). Hand off now, before you start anything new:`,
    "1. Finish the step you are on, and commit your work (git add, git commit).",
    `2. Write your handoff and give it to Flux: \`${command} --stdin\` with the document on stdin (a quoted heredoc). Fill in this template; each remaining task needs a file:line reference, and Flux refuses a handoff that lacks a section and says which:`,
    "",
    handoffTemplate().trim(),
    "",
    `3. Stop. Flux ends this session and starts a fresh one that continues from your handoff. At ${policy.hard}% Flux stops the session itself and writes the handoff from your commits.`,
  ].join("\n");
}

export function askForHandoff(
  ctx: EngineContext,
  session: SessionRecord,
  percent: number,
  policy: ContextPolicy,
  why = `context at ${percent}% (hand-off point ${policy.handoff}%)`,
): void {
  ctx.store.write((emit) => {
    ctx.store.db
      .prepare(
        "UPDATE sessions SET handoff_asked_at = ?, updated_at = ? WHERE id = ? AND handoff_asked_at IS NULL",
      )
      .run(ctx.store.now(), ctx.store.now(), session.id);
    emit({
      type: "session.handoff_asked",
      planId: session.planId,
      stageId: session.stageId,
      data: { session: session.id, percent, why },
    });
  });
  ctx.log(`${session.id} (${session.stageId}) is told to hand off: ${why}`);
  armHandoffDeadline(ctx, session.id, ctx.handoff.timeoutMs);
}

/** The time an agent told to hand off has before Flux does it (re-armed after a restart). */
export function armHandoffDeadline(ctx: EngineContext, sessionId: string, ms: number): void {
  ctx.sessions.armHandoff(sessionId, Math.max(0, ms), () => {
    const session = getSession(ctx.store, sessionId);
    if (session === undefined || session.endedAt !== null) return;
    backstop(
      ctx,
      session,
      `it was told to hand off and had not done it after ${Math.round(ctx.handoff.timeoutMs / 1000)}s`,
    );
  });
}

function countStep(ctx: EngineContext, sessionId: string): number {
  const { result } = ctx.store.write(() => {
    ctx.store.db
      .prepare("UPDATE sessions SET handoff_steps = handoff_steps + 1 WHERE id = ?")
      .run(sessionId);
    return getSession(ctx.store, sessionId)?.handoffSteps ?? 0;
  });
  return result;
}

/**
 * Flux hands off for the agent: the stage moves to `needs_handoff` (in the store first), then
 * the session is stopped; once it has ended, Flux writes the handoff and the continuation
 * starts (handoff.ts, from the scheduling pass).
 */
export function backstop(ctx: EngineContext, session: SessionRecord, why: string): void {
  const stage = ctx.store.stage(session.planId, session.stageId);
  if (stage?.state !== "running") return;
  ctx.move(stage.id, "handoff_requested", `${why}: Flux stops the session and writes the handoff`);
  endSession(ctx, session, why);
}

/** Written in the session's directory at `warn`: Claude's context gate calls Flux from then on. */
export function markWatched(ctx: EngineContext, session: SessionRecord): void {
  const marker = path.join(sessionDir(ctx.paths.work, session.id), CONTEXT_MARKER);
  if (fs.existsSync(marker)) return;
  fs.mkdirSync(path.dirname(marker), { recursive: true });
  fs.writeFileSync(marker, "");
}
