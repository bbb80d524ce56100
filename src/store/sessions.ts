/** Sessions: one agent process working on one stage. Rows are written by the engine. */
import type { ContextLevel } from "../core/context/levels.ts";
import type { FailureClass } from "../core/failure.ts";
import type { HealthWarning } from "../core/health.ts";
import type { FluxEvent, NewEvent } from "./events.ts";
import type { Store } from "./store.ts";

export const SESSION_STATUSES = ["starting", "running", "exited", "killed", "lost"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Why a session was started: its signal says so to the agent. */
export const SESSION_PURPOSES = [
  "start",
  "retry",
  "fix",
  "rejected",
  "resume",
  "manual",
  "handoff",
  "resolve",
] as const;
export type SessionPurpose = (typeof SESSION_PURPOSES)[number];

/** What the agent CLI reported about a session (src/adapters/agents parses it). */
export interface SessionTelemetryRecord {
  agentSessionId: string | null;
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  /** Context used by the last main-thread message (DESIGN.md §4), in tokens. */
  contextTokens: number | null;
  costUsd: number | null;
  /** The cost was computed from the price table, not reported by the CLI. */
  costEstimated: boolean;
  result: string | null;
  errorClass: string | null;
  errorMessage: string | null;
  turns: number | null;
}

export interface SessionRecord extends SessionTelemetryRecord {
  id: string;
  planId: number;
  stageId: string;
  status: SessionStatus;
  agent: string;
  backend: string;
  /** The tmux session name (`flux-<stage-id>`). */
  name: string;
  purpose: SessionPurpose;
  /** The agent's own TUI in the pane (interactive Claude Code), not a headless process. */
  interactive: boolean;
  /**
   * Why the session waits for a human (a permission prompt, a notification, an agent that
   * stopped without completing), or null. An attribute of the session, not a stage state.
   */
  waitingFor: string | null;
  waitingSince: string | null;
  /** Times the Stop hook sent the agent back to work since its last completion request. */
  remindersSent: number;
  /** The window `contextTokens` was measured against, when a figure was reported. */
  contextWindow: number | null;
  /** The level of the last context report (core/context), or null before the first. */
  contextLevel: ContextLevel | null;
  contextAt: string | null;
  /** When the agent was told to hand off (red), or null. */
  handoffAskedAt: string | null;
  /** Tool calls the agent made since it was told to hand off (the backstop counts them). */
  handoffSteps: number;
  /** Claude's first compaction was blocked (PreCompact) with a demand for a handoff. */
  compactBlocked: boolean;
  pid: number | null;
  /** The agent's start time where the system tells (/proc): a reused pid is not ours. */
  pidStart: string | null;
  exitCode: number | null;
  exitSignal: string | null;
  /** Why it failed (core/failure.ts), or null for a session that did not fail. */
  failure: FailureClass | null;
  /** What it said when it failed, where that matters (an agent CLI that could not start). */
  failureDetail: string | null;
  /** Health warnings raised on it (core/health.ts), one per kind, the latest kept. */
  warnings: HealthWarning[];
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
}

interface SessionRow {
  agent_session_id: string | null;
  model: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_creation_tokens: number;
  cache_read_tokens: number;
  context_tokens: number | null;
  cost_usd: number | null;
  cost_estimated: number;
  result: string | null;
  error_class: string | null;
  error_message: string | null;
  turns: number | null;
  id: string;
  plan_id: number;
  stage_id: string;
  status: SessionStatus;
  agent: string;
  backend: string;
  name: string;
  purpose: SessionPurpose;
  interactive: number;
  waiting_for: string | null;
  waiting_since: string | null;
  reminders_sent: number;
  context_window: number | null;
  context_level: ContextLevel | null;
  context_at: string | null;
  handoff_asked_at: string | null;
  handoff_steps: number;
  compact_blocked: number;
  pid: number | null;
  pid_start: string | null;
  exit_code: number | null;
  exit_signal: string | null;
  failure: FailureClass | null;
  failure_detail: string | null;
  warnings: string;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
}

function fromRow(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    planId: row.plan_id,
    stageId: row.stage_id,
    status: row.status,
    agent: row.agent,
    backend: row.backend,
    name: row.name,
    purpose: row.purpose,
    interactive: row.interactive === 1,
    waitingFor: row.waiting_for,
    waitingSince: row.waiting_since,
    remindersSent: row.reminders_sent,
    contextWindow: row.context_window,
    contextLevel: row.context_level,
    contextAt: row.context_at,
    handoffAskedAt: row.handoff_asked_at,
    handoffSteps: row.handoff_steps,
    compactBlocked: row.compact_blocked === 1,
    pid: row.pid,
    pidStart: row.pid_start,
    exitCode: row.exit_code,
    exitSignal: row.exit_signal,
    failure: row.failure,
    failureDetail: row.failure_detail,
    warnings: JSON.parse(row.warnings) as HealthWarning[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
    agentSessionId: row.agent_session_id,
    model: row.model,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cacheCreationTokens: row.cache_creation_tokens,
    cacheReadTokens: row.cache_read_tokens,
    contextTokens: row.context_tokens,
    costUsd: row.cost_usd,
    costEstimated: row.cost_estimated === 1,
    result: row.result,
    errorClass: row.error_class,
    errorMessage: row.error_message,
    turns: row.turns,
  };
}

export function listSessions(store: Store, planId: number): SessionRecord[] {
  const rows = store.db
    .prepare("SELECT * FROM sessions WHERE plan_id = ? ORDER BY created_at, rowid")
    .all(planId) as SessionRow[];
  return rows.map(fromRow);
}

export function getSession(store: Store, id: string): SessionRecord | undefined {
  const row = store.db.prepare("SELECT * FROM sessions WHERE id = ?").get(id) as
    SessionRow | undefined;
  return row === undefined ? undefined : fromRow(row);
}

export function sessionByTokenHash(store: Store, hash: string): SessionRecord | undefined {
  if (hash === "") return undefined;
  // `token_hash <> ''` lets SQLite use the partial index sessions_token: every session request
  // (a heartbeat, a hook, a report) comes through here.
  const row = store.db
    .prepare("SELECT * FROM sessions WHERE token_hash = ? AND token_hash <> ''")
    .get(hash) as SessionRow | undefined;
  return row === undefined ? undefined : fromRow(row);
}

/** Sessions not known to have ended: what a restarted daemon must re-adopt or bury. */
export function openSessions(store: Store, planId: number): SessionRecord[] {
  return listSessions(store, planId).filter(
    (s) => s.status === "starting" || s.status === "running",
  );
}

/** The newest session of a stage. */
export function latestSession(
  store: Store,
  planId: number,
  stageId: string,
): SessionRecord | undefined {
  const row = store.db
    .prepare(
      "SELECT * FROM sessions WHERE plan_id = ? AND stage_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
    )
    .get(planId, stageId) as SessionRow | undefined;
  return row === undefined ? undefined : fromRow(row);
}

/** A stage's newest `limit` sessions, newest first. */
export function recentSessions(
  store: Store,
  planId: number,
  stageId: string,
  limit: number,
): SessionRecord[] {
  const rows = store.db
    .prepare(
      "SELECT * FROM sessions WHERE plan_id = ? AND stage_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
    )
    .all(planId, stageId, limit) as SessionRow[];
  return rows.map(fromRow);
}

export interface NewSession {
  id: string;
  planId: number;
  stageId: string;
  agent: string;
  backend: string;
  name: string;
  tokenHash: string;
  purpose: SessionPurpose;
  interactive?: boolean;
}

export function insertSession(
  store: Store,
  emit: (e: NewEvent) => FluxEvent,
  session: NewSession,
): void {
  const now = store.now();
  store.db
    .prepare(
      `INSERT INTO sessions (id, plan_id, stage_id, status, agent, backend, name, token_hash, purpose, interactive, created_at, updated_at)
       VALUES (?, ?, ?, 'starting', ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      session.id,
      session.planId,
      session.stageId,
      session.agent,
      session.backend,
      session.name,
      session.tokenHash,
      session.purpose,
      session.interactive === true ? 1 : 0,
      now,
      now,
    );
  emit({
    type: "session.created",
    planId: session.planId,
    stageId: session.stageId,
    data: {
      session: session.id,
      agent: session.agent,
      backend: session.backend,
      purpose: session.purpose,
      ...(session.interactive === true ? { interactive: true } : {}),
    },
  });
}

export function markSessionStarted(
  store: Store,
  emit: (e: NewEvent) => FluxEvent,
  id: string,
  pid: number | null,
  pidStart: string | null = null,
): void {
  const session = getSession(store, id);
  if (session === undefined || session.status !== "starting") return;
  store.db
    .prepare(
      "UPDATE sessions SET status = 'running', pid = ?, pid_start = ?, updated_at = ? WHERE id = ?",
    )
    .run(pid, pidStart, store.now(), id);
  emit({
    type: "session.started",
    planId: session.planId,
    stageId: session.stageId,
    data: { session: id, pid },
  });
}

/** Records the end of a session once; returns false when it had already ended. */
export function markSessionEnded(
  store: Store,
  emit: (e: NewEvent) => FluxEvent,
  id: string,
  end: { status: "exited" | "killed" | "lost"; exitCode: number | null; exitSignal: string | null },
): boolean {
  const session = getSession(store, id);
  if (session === undefined || session.endedAt !== null) return false;
  const now = store.now();
  store.db
    .prepare(
      "UPDATE sessions SET status = ?, exit_code = ?, exit_signal = ?, ended_at = ?, updated_at = ?, waiting_for = NULL, waiting_since = NULL WHERE id = ?",
    )
    .run(end.status, end.exitCode, end.exitSignal, now, now, id);
  emit({
    type: "session.ended",
    planId: session.planId,
    stageId: session.stageId,
    data: { session: id, ...end },
  });
  return true;
}
