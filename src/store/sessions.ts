/** Sessions: one agent process working on one stage. Rows are written by the engine. */
import type { FluxEvent, NewEvent } from "./events.ts";
import type { Store } from "./store.ts";

export const SESSION_STATUSES = ["starting", "running", "exited", "killed", "lost"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Why a session was started: its signal says so to the agent. */
export type SessionPurpose = "start" | "retry" | "fix" | "rejected" | "resume" | "manual";

export interface SessionRecord {
  id: string;
  planId: number;
  stageId: string;
  status: SessionStatus;
  agent: string;
  backend: string;
  /** The tmux session name (`flux-<stage-id>`). */
  name: string;
  purpose: SessionPurpose;
  pid: number | null;
  exitCode: number | null;
  exitSignal: string | null;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
}

interface SessionRow {
  id: string;
  plan_id: number;
  stage_id: string;
  status: SessionStatus;
  agent: string;
  backend: string;
  name: string;
  purpose: SessionPurpose;
  pid: number | null;
  exit_code: number | null;
  exit_signal: string | null;
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
    pid: row.pid,
    exitCode: row.exit_code,
    exitSignal: row.exit_signal,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
  };
}

export function listSessions(store: Store, planId: number): SessionRecord[] {
  const rows = store.db
    .prepare("SELECT * FROM sessions WHERE plan_id = ? ORDER BY created_at, id")
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
  const row = store.db.prepare("SELECT * FROM sessions WHERE token_hash = ?").get(hash) as
    SessionRow | undefined;
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

export interface NewSession {
  id: string;
  planId: number;
  stageId: string;
  agent: string;
  backend: string;
  name: string;
  tokenHash: string;
  purpose: SessionPurpose;
}

export function insertSession(
  store: Store,
  emit: (e: NewEvent) => FluxEvent,
  session: NewSession,
): void {
  const now = store.now();
  store.db
    .prepare(
      `INSERT INTO sessions (id, plan_id, stage_id, status, agent, backend, name, token_hash, purpose, created_at, updated_at)
       VALUES (?, ?, ?, 'starting', ?, ?, ?, ?, ?, ?, ?)`,
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
    },
  });
}

export function markSessionStarted(
  store: Store,
  emit: (e: NewEvent) => FluxEvent,
  id: string,
  pid: number | null,
): void {
  const session = getSession(store, id);
  if (session === undefined || session.status !== "starting") return;
  store.db
    .prepare("UPDATE sessions SET status = 'running', pid = ?, updated_at = ? WHERE id = ?")
    .run(pid, store.now(), id);
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
      "UPDATE sessions SET status = ?, exit_code = ?, exit_signal = ?, ended_at = ?, updated_at = ? WHERE id = ?",
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
