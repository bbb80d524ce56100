/**
 * What an interactive agent's hooks tell the daemon (`flux hook <event>`, POST
 * /v1/sessions/:id/hook) and what it answers. A TUI does not exit by itself (DESIGN.md §3):
 *
 * - stop: while its stage is running, the agent is sent back to work up to
 *   `sessions.stop_reminders` times since its last completion request; after that its session
 *   is marked waiting for input. Once the stage has moved on, Flux ends the session (tick.ts).
 * - stop-failure: an API error ended the turn; the TUI would sit on it. Flux ends the session
 *   and the stage is restarted like after a headless agent's failed exit.
 * - permission-request, notification: the session waits for input.
 * - active: a tool ran or a prompt was typed: it no longer waits.
 *
 * "Waiting for input" is an attribute of the session; the stage stays `running`.
 */
import fs from "node:fs";
import path from "node:path";
import { WAITING_MARKER } from "../adapters/agents/claude/interactive.ts";
import type { SessionTelemetry } from "../adapters/agents/types.ts";
import { unknownHookEvent } from "../core/errors.ts";
import { DEFAULT_WINDOW, contextPercent } from "../core/context/levels.ts";
import { completeCommandFor } from "../core/signal/data.ts";
import { askForHandoff, handoffInstruction, markWatched, sessionPolicy } from "./context-report.ts";
import { clearWaiting, countReminder, markWaiting } from "../store/session-input.ts";
import { getSession, latestSession } from "../store/sessions.ts";
import { recordTelemetry } from "../store/session-records.ts";
import type { SessionRecord } from "../store/sessions.ts";
import type { EngineContext } from "./context.ts";
import { HOOK_EVENTS } from "./hook-events.ts";
import type { HookAnswer, HookEvent } from "./hook-events.ts";
import { endSession } from "./lifecycle.ts";
import { limitReached, recordLimitWithin } from "./limits.ts";
import { sessionActive } from "./health.ts";
import { telemetryRecord } from "./telemetry.ts";
import { sessionDir } from "./session-files.ts";

const NONE: HookAnswer = { decision: "none" };

/** Claude's notification types that wait for a human ("" when a version does not say). */
const WAITING_KINDS = new Set(["permission_prompt", "idle_prompt", "elicitation_dialog", ""]);

export function handleHook(
  engine: EngineContext,
  sessionId: string,
  body: Record<string, unknown>,
): HookAnswer {
  const event = body.event;
  if (typeof event !== "string" || !(HOOK_EVENTS as readonly string[]).includes(event)) {
    throw unknownHookEvent(String(event), HOOK_EVENTS);
  }
  const session = getSession(engine.store, sessionId);
  if (session === undefined || session.endedAt !== null) return NONE;
  const text = (key: string) => (typeof body[key] === "string" ? body[key] : "");
  sessionActive(engine, sessionId);
  switch (event as HookEvent) {
    case "stop":
      return stopped(engine, session, body.telemetry);
    case "pre-compact":
      return preCompact(engine, session);
    case "stop-failure":
      stopFailed(engine, session, body.telemetry, text("error"), text("message"));
      return NONE;
    case "permission-request":
      waiting(engine, session, `permission prompt for ${text("tool") || "a tool"}`);
      return NONE;
    case "notification":
      // PermissionRequest said it first, and better (it names the tool). Other kinds (e.g. a
      // login that succeeded) ask nothing of anyone.
      if (session.waitingFor === null && WAITING_KINDS.has(text("kind")))
        waiting(engine, session, text("message") || text("kind"));
      return NONE;
    case "active":
      active(engine, session);
      return NONE;
  }
}

/**
 * An API error ended the TUI's turn, and it would sit on it. A rate or usage limit (the hook
 * classified it: `telemetry.errorClass`, `limitResetAt`) is recorded and its stage handed on at
 * once (limits.ts), whatever way the TUI then ends; any other error ends the session like a
 * headless agent's failed exit (a retry).
 */
function stopFailed(
  engine: EngineContext,
  session: SessionRecord,
  telemetry: unknown,
  error: string,
  message: string,
): void {
  const reported =
    typeof telemetry === "object" && telemetry !== null
      ? (telemetry as SessionTelemetry)
      : undefined;
  const stage = engine.store.stage(session.planId, session.stageId);
  const latest = latestSession(engine.store, session.planId, session.stageId);
  if (reported !== undefined && stage?.state === "running" && latest?.id === session.id) {
    const { result: limit } = engine.store.write((emit) => {
      recordTelemetry(engine.store, emit, session.id, telemetryRecord(reported));
      return recordLimitWithin(engine, emit, session, reported);
    });
    if (limit !== undefined) limitReached(engine, session, limit);
  }
  endSession(
    engine,
    session,
    `an API error ended its turn (${error || "error"}${suffix(message)})`,
  );
}

function stopped(engine: EngineContext, session: SessionRecord, telemetry: unknown): HookAnswer {
  if (typeof telemetry === "object" && telemetry !== null) {
    const record = telemetryRecord(telemetry as SessionTelemetry);
    engine.store.write((emit) => recordTelemetry(engine.store, emit, session.id, record));
  }
  const stage = engine.store.stage(session.planId, session.stageId);
  const latest = latestSession(engine.store, session.planId, session.stageId);
  // Checking: the verdict decides. Moved on: Flux ends the session.
  if (stage === undefined || stage.state !== "running" || latest?.id !== session.id) return NONE;
  const count = countReminder(engine.store, session.id);
  const limit = engine.stopReminders;
  if (count > limit) {
    const times = limit === 1 ? "once" : `${limit} times`;
    waiting(
      engine,
      session,
      limit === 0
        ? "the agent stopped before completing its stage"
        : `the agent stopped before completing its stage (sent back to work ${times})`,
    );
    return NONE;
  }
  active(engine, session);
  if (session.handoffAskedAt !== null) {
    const policy = sessionPolicy(engine, stage.spec.context);
    return {
      decision: "continue",
      reason: handoffInstruction(stage.spec.agent, contextPercentOf(session), policy),
    };
  }
  const complete = completeCommandFor(stage.spec.agent);
  return {
    decision: "continue",
    reason:
      `Flux: stage ${stage.id} is not complete yet, so this session goes on (reminder ${count} of ${limit}). ` +
      `Keep working on the assignment. When the work is done, commit it and run \`${complete}\`: ` +
      "Flux runs the acceptance and tells you what failed. If you cannot go on without a human, say why in one line and stop.",
  };
}

/**
 * Claude is about to compact the conversation: the first time, Flux refuses and asks for a
 * handoff instead (a summary loses the decisions a handoff keeps); later ones go through.
 */
function preCompact(engine: EngineContext, session: SessionRecord): HookAnswer {
  const stage = engine.store.stage(session.planId, session.stageId);
  if (session.compactBlocked || stage?.state !== "running") return NONE;
  const { result: first } = engine.store.write(() => {
    const info = engine.store.db
      .prepare("UPDATE sessions SET compact_blocked = 1 WHERE id = ? AND compact_blocked = 0")
      .run(session.id);
    return info.changes > 0;
  });
  if (!first) return NONE;
  const policy = sessionPolicy(engine, stage.spec.context);
  const percent = contextPercentOf(session);
  if (session.handoffAskedAt === null)
    askForHandoff(engine, session, percent, policy, "it asked to compact its conversation");
  // Its next tool call or prompt asks Flux, and is told to hand off.
  markWatched(engine, session);
  return {
    decision: "block",
    reason: `Flux: compaction is refused once; write a handoff instead.\n${handoffInstruction(stage.spec.agent, percent, policy)}`,
  };
}

function contextPercentOf(session: SessionRecord): number {
  if (session.contextTokens === null) return 0;
  return contextPercent(session.contextTokens, session.contextWindow ?? DEFAULT_WINDOW);
}

function waiting(engine: EngineContext, session: SessionRecord, reason: string): void {
  const { result: changed } = engine.store.write((emit) =>
    markWaiting(engine.store, emit, session.id, reason),
  );
  if (!changed) return;
  engine.log(`${session.id} (${session.stageId}) waits for input: ${reason}`);
  const marker = path.join(sessionDir(engine.paths.work, session.id), WAITING_MARKER);
  fs.mkdirSync(path.dirname(marker), { recursive: true });
  fs.writeFileSync(marker, `${reason}\n`);
}

function active(engine: EngineContext, session: SessionRecord): void {
  engine.store.write((emit) => clearWaiting(engine.store, emit, session.id));
  fs.rmSync(path.join(sessionDir(engine.paths.work, session.id), WAITING_MARKER), {
    force: true,
  });
}

function suffix(message: string): string {
  return message === "" ? "" : `: ${message.slice(0, 200)}`;
}
