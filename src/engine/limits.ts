/**
 * Rate and usage limits in the engine (core/limits has the rules):
 *
 * - A session that ends on a limit records it for its agent (`agent_limits`, with its reset)
 *   and moves its stage `running → needs_handoff` (`limit_reached`, not a failed attempt):
 *   Flux writes the handoff from git and the log, as at the context backstop (handoff.ts).
 * - Every start picks the agent (`chooseAgent`): the stage's own, or the next fallback when it
 *   is usage-limited or keeps failing with the same API error; a rate-limited agent is waited
 *   for. When none can run, the stage parks (`ready|needs_handoff → parked`) with its deadline
 *   in the store.
 * - One alarm, at the earliest deadline of the parked stages, re-armed by every scheduling pass
 *   (so also when the daemon starts): a parked stage whose deadline has passed goes back to
 *   ready, and picks its agent again.
 */
import type { SessionTelemetry } from "../adapters/agents/types.ts";
import type { AgentChoice, AgentLimit } from "../core/limits/policy.ts";
import {
  candidateAgents,
  chooseAgent,
  describeLimit,
  resetTime,
  failingAgents,
  isLimitKind,
  limitDeadline,
  limitStreak,
} from "../core/limits/policy.ts";
import type { AgentKind } from "../core/plan/schema.ts";
import { agentLimits, clearAgentLimits, recordAgentLimit } from "../store/limits.ts";
import type { FluxEvent, NewEvent } from "../store/events.ts";
import type { SessionPurpose, SessionRecord } from "../store/sessions.ts";
import { recentSessions } from "../store/sessions.ts";
import type { StageRecord } from "../store/store.ts";
import type { Clock } from "./clock.ts";
import type { EngineContext } from "./context.ts";

/** Sessions read to find a streak of limits (the backoff doubles with each, then caps). */
const STREAK_WINDOW = 32;

/**
 * Records the limit a session's telemetry reports for its agent, inside the write that ends
 * the session. Returns it, or undefined when the session did not end on a limit.
 */
export function recordLimitWithin(
  ctx: EngineContext,
  emit: (event: NewEvent) => FluxEvent,
  session: SessionRecord,
  telemetry: SessionTelemetry | undefined,
): AgentLimit | undefined {
  const kind = telemetry?.errorClass;
  if (!isLimitKind(kind) || session.agent === "command") return undefined;
  // Recorded already for this session (its TUI's StopFailure hook, before it exited).
  const known = agentLimits(ctx.store).find((l) => l.sessionId === session.id);
  if (known !== undefined) return known;
  // The limits in a row before this session's (its own row may carry its class already).
  const before = recentSessions(ctx.store, session.planId, session.stageId, STREAK_WINDOW).filter(
    (s) => s.id !== session.id,
  );
  const streak = limitStreak(before);
  const limit: AgentLimit = {
    agent: session.agent as AgentKind,
    kind,
    until: limitDeadline({
      kind,
      resetAt: telemetry?.limitResetAt,
      streak,
      now: ctx.clock.now().getTime(),
      settings: ctx.limits.settings,
    }),
    message: (telemetry?.errorMessage ?? "").slice(0, 300),
  };
  recordAgentLimit(ctx.store, emit, limit, {
    planId: session.planId,
    stageId: session.stageId,
    sessionId: session.id,
  });
  return limit;
}

/**
 * The running stage's session ended on `limit`: the stage waits for a handoff, which Flux
 * writes once the session is gone (handoff.ts); then its next start picks the agent.
 */
export function limitReached(ctx: EngineContext, session: SessionRecord, limit: AgentLimit): void {
  const stage = ctx.stage(session.stageId);
  const others = candidateAgents(stage.spec).filter((a) => a !== limit.agent);
  const next =
    limit.kind === "usage_limit" && others.length > 0
      ? `the next of ${others.join(", ")} that is free continues`
      : `${limit.agent} continues after it resets`;
  ctx.move(
    session.stageId,
    "limit_reached",
    `${describeLimit(limit)} until ${resetTime(limit.until, ctx.clock.now().getTime())}: Flux writes the handoff and ${next} (not a failed attempt)`,
  );
  ctx.wake("limit");
}

/** The agent `stage` starts on now, or where it parks (core/limits `chooseAgent`). */
export function pickAgent(ctx: EngineContext, stage: StageRecord): AgentChoice {
  const limits = new Map(agentLimits(ctx.store).map((l) => [l.agent, l]));
  const sessions = recentSessions(
    ctx.store,
    stage.planId,
    stage.id,
    ctx.limits.settings.fallbackAfter,
  );
  const failing = failingAgents(sessions, ctx.limits.settings.fallbackAfter);
  return chooseAgent(candidateAgents(stage.spec), limits, failing, ctx.clock.now().getTime());
}

/** Parks a stage none of whose agents can run now; its next start keeps `purpose`. */
export function park(
  ctx: EngineContext,
  stageId: string,
  choice: Extract<AgentChoice, { parkedUntil: number }>,
  purpose: SessionPurpose,
): void {
  ctx.run.setPurpose(stageId, purpose);
  ctx.move(
    stageId,
    "parked",
    `parked until ${resetTime(choice.parkedUntil, ctx.clock.now().getTime())}: ${choice.reason}`,
    {
      parkedUntil: new Date(choice.parkedUntil).toISOString(),
    },
  );
  ctx.log(
    `${stageId} parked until ${new Date(choice.parkedUntil).toISOString()}: ${choice.reason}`,
  );
  ctx.wake("parked");
}

/**
 * Part of every scheduling pass: parked stages whose deadline has passed go back to ready,
 * and the alarm is set for the earliest deadline left.
 */
export function unparkDue(ctx: EngineContext, stages: readonly StageRecord[]): void {
  const now = ctx.clock.now().getTime();
  let earliest: number | undefined;
  for (const stage of stages) {
    if (stage.state !== "parked") continue;
    const until = stage.parkedUntil === null ? now : Date.parse(stage.parkedUntil);
    if (until <= now) {
      ctx.move(stage.id, "unparked", "the limit it waited for has reset: it starts again");
      continue;
    }
    earliest = earliest === undefined ? until : Math.min(earliest, until);
  }
  ctx.limits.alarm.set(earliest, () => ctx.wake("a parked stage's deadline"));
}

/**
 * `flux resume` of a parked stage: a human says the limits it waits for are gone — they are
 * forgotten for its agents, inside the caller's write.
 */
export function clearLimitsFor(
  ctx: EngineContext,
  emit: (event: NewEvent) => FluxEvent,
  stage: StageRecord,
  by: string,
): string[] {
  return clearAgentLimits(ctx.store, emit, candidateAgents(stage.spec), {
    planId: stage.planId,
    stageId: stage.id,
    by,
  });
}

/** The one timer of the parked stages: at the earliest deadline, or none. */
export class ParkAlarm {
  private at: number | undefined;
  private cancel: (() => void) | undefined;

  constructor(private readonly clock: Clock) {}

  /** Fires `fn` at `at` (epoch ms); undefined disarms. Setting the same deadline again keeps it. */
  set(at: number | undefined, fn: () => void): void {
    if (at === this.at) return;
    this.clear();
    if (at === undefined) return;
    this.at = at;
    this.cancel = this.clock.after(at - this.clock.now().getTime(), () => {
      this.at = undefined;
      this.cancel = undefined;
      fn();
    });
  }

  /** When it fires next, if armed. */
  get deadline(): number | undefined {
    return this.at;
  }

  clear(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.at = undefined;
  }
}
