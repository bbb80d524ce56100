/** The append-only event log and the in-process publication of committed events. */
import type { Db } from "./db.ts";

export type EventType =
  | "plan.applied"
  | "plan.deactivated"
  | "stage.added"
  | "stage.removed"
  | "stage.changed"
  | "stage.transitioned"
  | "stage.noted"
  | "session.created"
  | "session.started"
  | "session.ended"
  | "session.telemetry"
  | "session.waiting"
  | "session.resumed"
  | "session.ending"
  | "acceptance.finished"
  | "run.requested"
  | "run.notice";

export interface FluxEvent {
  seq: number;
  /** ISO-8601 time the event was recorded. */
  at: string;
  type: EventType;
  planId: number | null;
  stageId: string | null;
  data: Record<string, unknown>;
}

export type NewEvent = Omit<FluxEvent, "seq" | "at">;

interface EventRow {
  seq: number;
  at: string;
  type: EventType;
  plan_id: number | null;
  stage_id: string | null;
  data: string;
}

export function appendEvent(db: Db, at: string, event: NewEvent): FluxEvent {
  const info = db
    .prepare("INSERT INTO events (at, type, plan_id, stage_id, data) VALUES (?, ?, ?, ?, ?)")
    .run(at, event.type, event.planId, event.stageId, JSON.stringify(event.data));
  return { ...event, seq: Number(info.lastInsertRowid), at };
}

export function eventsSince(db: Db, seq: number, limit = 10_000): FluxEvent[] {
  const rows = db
    .prepare("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
    .all(seq, limit) as EventRow[];
  return rows.map(fromRow);
}

export function lastSeq(db: Db): number {
  const row = db.prepare("SELECT max(seq) AS seq FROM events").get() as { seq: number | null };
  return row.seq ?? 0;
}

function fromRow(row: EventRow): FluxEvent {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    planId: row.plan_id,
    stageId: row.stage_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

export type EventListener = (event: FluxEvent) => void;
