/**
 * The limits agents are under (`agent_limits`, one row per agent): written when a session ends
 * on a rate or usage limit, read whenever a stage picks its agent (core/limits), cleared by a
 * human's `flux resume`. A limit whose time has passed is simply ignored.
 */
import type { AgentLimit, LimitKind } from "../core/limits/policy.ts";
import type { AgentKind } from "../core/plan/schema.ts";
import type { FluxEvent, NewEvent } from "./events.ts";
import type { Store } from "./store.ts";

interface LimitRow {
  agent: AgentKind;
  kind: LimitKind;
  until: string;
  message: string;
  session_id: string | null;
  recorded_at: string;
}

export interface AgentLimitRecord extends AgentLimit {
  sessionId: string | null;
  recordedAt: string;
}

/** Every recorded limit, expired ones included (the caller compares with its clock). */
export function agentLimits(store: Store): AgentLimitRecord[] {
  const rows = store.db.prepare("SELECT * FROM agent_limits ORDER BY agent").all() as LimitRow[];
  return rows.map((row) => ({
    agent: row.agent,
    kind: row.kind,
    until: Date.parse(row.until),
    message: row.message,
    sessionId: row.session_id,
    recordedAt: row.recorded_at,
  }));
}

/** Records `limit` for its agent (replacing an older one) with an `agent.limited` event. */
export function recordAgentLimit(
  store: Store,
  emit: (event: NewEvent) => FluxEvent,
  limit: AgentLimit,
  context: { planId: number; stageId: string; sessionId: string | null },
): void {
  const until = new Date(limit.until).toISOString();
  store.db
    .prepare(
      `INSERT INTO agent_limits (agent, kind, until, message, session_id, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (agent) DO UPDATE SET kind = excluded.kind, until = excluded.until,
         message = excluded.message, session_id = excluded.session_id,
         recorded_at = excluded.recorded_at`,
    )
    .run(limit.agent, limit.kind, until, limit.message, context.sessionId, store.now());
  emit({
    type: "agent.limited",
    planId: context.planId,
    stageId: context.stageId,
    data: {
      agent: limit.agent,
      kind: limit.kind,
      until,
      message: limit.message,
      session: context.sessionId,
    },
  });
}

/** Forgets the limits of `agents` (a human says they are gone); returns those it removed. */
export function clearAgentLimits(
  store: Store,
  emit: (event: NewEvent) => FluxEvent,
  agents: readonly string[],
  context: { planId: number; stageId: string; by: string },
): string[] {
  const cleared: string[] = [];
  for (const agent of agents) {
    const { changes } = store.db.prepare("DELETE FROM agent_limits WHERE agent = ?").run(agent);
    if (changes === 0) continue;
    cleared.push(agent);
    emit({
      type: "agent.limit_cleared",
      planId: context.planId,
      stageId: context.stageId,
      data: { agent, by: context.by },
    });
  }
  return cleared;
}
