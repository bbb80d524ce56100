/**
 * The append-only event log and the in-process publication of committed events. Every event
 * type has its `data` shape in one map (EventDataMap): emitters cannot send the wrong shape, and
 * readers — `flux run`, the daemon's `/v1/events` stream, later the dashboard and MCP clients —
 * get the right one by narrowing on `type`.
 */
import type { ContextLevel } from "../core/context/levels.ts";
import type { FailureClass } from "../core/failure.ts";
import type { FlowMode } from "../core/flow.ts";
import type { HealthWarning, HealthWarningKind } from "../core/health.ts";
import type { LimitKind } from "../core/limits/policy.ts";
import type { HandoffAuthor, HandoffReason } from "../core/handoff/types.ts";
import type { StageTransitioned } from "../core/stage/event.ts";
import type { StageState } from "../core/stage/states.ts";
import type { Db } from "./db.ts";
import type { SessionPurpose, SessionTelemetryRecord } from "./sessions.ts";
import type { StageFacts } from "./store.ts";

/** Event type → its `data`. A new event type goes here first. */
export interface EventDataMap {
  "plan.applied": {
    file: string;
    contentHash: string;
    added: string[];
    removed: string[];
    changed: string[];
  };
  /** Another plan became active. */
  "plan.deactivated": { file: string };
  "stage.added": { name: string };
  "stage.removed": { state: StageState };
  /** The stage's spec changed in the plan file: the names of the fields that did. */
  "stage.changed": { fields: string[] };
  /** An edge of the stage machine (core/stage/event.ts), with who took it. */
  "stage.transitioned": Omit<StageTransitioned, "type"> & { actor: string };
  /** Facts about a stage that are not a state: reason, passed or merge commit, feedback. */
  "stage.noted": StageFacts;
  "session.created": {
    session: string;
    agent: string;
    backend: string;
    purpose: SessionPurpose;
    interactive?: boolean;
  };
  "session.started": { session: string; pid: number | null };
  "session.ended": {
    session: string;
    status: "exited" | "killed" | "lost";
    exitCode: number | null;
    exitSignal: string | null;
  };
  "session.telemetry": { session: string } & Partial<SessionTelemetryRecord>;
  /** A health warning on a live session (core/health.ts), with what Flux did about it. */
  "session.warning": { session: string } & HealthWarning;
  "session.warning_cleared": { session: string; kind: HealthWarningKind };
  /** Why the session failed (core/failure.ts), and what it said when that matters. */
  "session.failed": { session: string; failure: FailureClass; detail?: string };
  /** The session waits for a human (a permission prompt, a notification…). */
  "session.waiting": { session: string; reason: string };
  /** It no longer does: what it waited for. */
  "session.resumed": { session: string; waitedFor: string };
  /** Flux is ending the session, and why. */
  "session.ending": { session: string; reason: string };
  /** The session's context after a model call: a report from its runner or its hooks. */
  "session.context": {
    session: string;
    tokens: number;
    window: number;
    percent: number;
    level: ContextLevel;
  };
  /** The agent was told to write its handoff and stop (red), or Flux will do it (`limit`). */
  "session.handoff_asked": { session: string; percent: number; why: string };
  /** A handoff was stored (`.work/handoffs/<stage>-handoff-NNN.md`). */
  "handoff.created": {
    handoff: number;
    number: number;
    session: string | null;
    author: HandoffAuthor;
    reason: HandoffReason;
  };
  "acceptance.finished": {
    run: number;
    passed: boolean;
    commit: string;
    trigger: string;
    durationMs: number;
  };
  /** An agent ran into a rate or usage limit: stages on it wait, or move to a fallback. */
  "agent.limited": {
    agent: string;
    kind: LimitKind;
    /** When it resets (ISO): the CLI's own figure, or Flux's backoff. */
    until: string;
    message: string;
    session: string | null;
  };
  /** A human cleared an agent's limit (`flux resume` of a stage parked on it). */
  "agent.limit_cleared": { agent: string; by: string };
  "run.requested": { scope: string[] | null; maxParallel: number; manual: boolean };
  "run.notice": { text: string };
  /** `flux pause`, `flux drain`, `flux daemon resume` (core/flow.ts). */
  "flow.changed": { mode: FlowMode; previous: FlowMode; by: string };
}

export type EventType = keyof EventDataMap;

/** Every event type, for schemas and documentation (kept equal to the map's keys by its type). */
export const EVENT_TYPES = [
  "plan.applied",
  "plan.deactivated",
  "stage.added",
  "stage.removed",
  "stage.changed",
  "stage.transitioned",
  "stage.noted",
  "session.created",
  "session.started",
  "session.ended",
  "session.telemetry",
  "session.failed",
  "session.warning",
  "session.warning_cleared",
  "session.waiting",
  "session.resumed",
  "session.ending",
  "session.context",
  "session.handoff_asked",
  "handoff.created",
  "acceptance.finished",
  "agent.limited",
  "agent.limit_cleared",
  "run.requested",
  "run.notice",
  "flow.changed",
] as const satisfies readonly EventType[];
// The list names every key of the map: a type missing from it fails here.
const _allListed: Exclude<EventType, (typeof EVENT_TYPES)[number]> extends never ? true : never =
  true;
void _allListed;

/** A recorded event of one type. */
export interface TypedEvent<T extends EventType> {
  seq: number;
  /** ISO-8601 time the event was recorded. */
  at: string;
  type: T;
  planId: number | null;
  stageId: string | null;
  data: EventDataMap[T];
}

/** Any recorded event: narrow on `type` to read its `data`. */
export type FluxEvent = { [T in EventType]: TypedEvent<T> }[EventType];

/** An event to record: `emit` takes one, and checks its `data` against its `type`. */
export type NewEvent = { [T in EventType]: Omit<TypedEvent<T>, "seq" | "at"> }[EventType];

export type Emit = (event: NewEvent) => FluxEvent;

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
  // The row was written by appendEvent from a typed NewEvent: its data matches its type.
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    planId: row.plan_id,
    stageId: row.stage_id,
    data: JSON.parse(row.data) as unknown,
  } as FluxEvent;
}

export type EventListener = (event: FluxEvent) => void;
