/**
 * Handoffs: the documents sessions leave their successors (core/handoff), numbered 1, 2, 3… per
 * stage. Written by the engine inside its own `store.write`, read by the signal, the projection
 * (`.work/handoffs/`), the API and `flux handoff`. A row is never changed once written.
 */
import type {
  Handoff,
  HandoffAuthor,
  HandoffFacts,
  HandoffReason,
  HandoffRecord,
} from "../core/handoff/types.ts";
import type { FluxEvent, NewEvent } from "./events.ts";
import type { Store } from "./store.ts";

interface HandoffRow {
  id: number;
  plan_id: number;
  stage_id: string;
  number: number;
  session_id: string | null;
  author: HandoffAuthor;
  reason: HandoffReason;
  body: string;
  facts: string;
  created_at: string;
}

function fromRow(row: HandoffRow): HandoffRecord {
  return {
    id: row.id,
    planId: row.plan_id,
    stageId: row.stage_id,
    number: row.number,
    sessionId: row.session_id,
    author: row.author,
    reason: row.reason,
    // Written by insertHandoff below from the same types: the JSON holds what they say.
    handoff: JSON.parse(row.body) as Handoff,
    facts: JSON.parse(row.facts) as HandoffFacts,
    createdAt: row.created_at,
  };
}

export interface NewHandoff {
  planId: number;
  stageId: string;
  sessionId: string | null;
  author: HandoffAuthor;
  reason: HandoffReason;
  handoff: Handoff;
  facts: HandoffFacts;
}

/**
 * Stores a handoff as the stage's next number and emits `handoff.created`. Call it inside the
 * caller's `store.write`: the write lock taken up front makes "the highest number + 1" safe
 * against another process, and the event commits with the row.
 */
export function insertHandoff(
  store: Store,
  emit: (event: NewEvent) => FluxEvent,
  input: NewHandoff,
): HandoffRecord {
  const { last } = store.db
    .prepare(
      "SELECT coalesce(max(number), 0) AS last FROM handoffs WHERE plan_id = ? AND stage_id = ?",
    )
    .get(input.planId, input.stageId) as { last: number };
  const number = last + 1;
  const createdAt = store.now();
  const { lastInsertRowid } = store.db
    .prepare(
      `INSERT INTO handoffs (plan_id, stage_id, number, session_id, author, reason, body, facts, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      input.planId,
      input.stageId,
      number,
      input.sessionId,
      input.author,
      input.reason,
      JSON.stringify(input.handoff),
      JSON.stringify(input.facts),
      createdAt,
    );
  const id = Number(lastInsertRowid);
  emit({
    type: "handoff.created",
    planId: input.planId,
    stageId: input.stageId,
    data: {
      handoff: id,
      number,
      session: input.sessionId,
      author: input.author,
      reason: input.reason,
    },
  });
  return {
    id,
    planId: input.planId,
    stageId: input.stageId,
    number,
    sessionId: input.sessionId,
    author: input.author,
    reason: input.reason,
    // What a read gives back: the stored JSON, not the caller's objects.
    handoff: JSON.parse(JSON.stringify(input.handoff)) as Handoff,
    facts: JSON.parse(JSON.stringify(input.facts)) as HandoffFacts,
    createdAt,
  };
}

/** A stage's handoffs, oldest first. */
export function listHandoffs(store: Store, planId: number, stageId: string): HandoffRecord[] {
  const rows = store.db
    .prepare("SELECT * FROM handoffs WHERE plan_id = ? AND stage_id = ? ORDER BY number")
    .all(planId, stageId) as HandoffRow[];
  return rows.map(fromRow);
}

/** Every handoff of a plan, by stage then number (the projection renders them all). */
export function planHandoffs(store: Store, planId: number): HandoffRecord[] {
  const rows = store.db
    .prepare("SELECT * FROM handoffs WHERE plan_id = ? ORDER BY stage_id, number")
    .all(planId) as HandoffRow[];
  return rows.map(fromRow);
}

/** The handoffs written by the events after `seq` (`handoff.created`), oldest first. */
export function handoffsSince(store: Store, planId: number, seq: number): HandoffRecord[] {
  const rows = store.db
    .prepare(
      `SELECT h.* FROM handoffs h JOIN events e
         ON e.type = 'handoff.created' AND json_extract(e.data, '$.handoff') = h.id
       WHERE e.seq > ? AND h.plan_id = ? ORDER BY e.seq`,
    )
    .all(seq, planId) as HandoffRow[];
  return rows.map(fromRow);
}

/** The stage's newest handoff: what its next session continues from. */
export function latestHandoff(
  store: Store,
  planId: number,
  stageId: string,
): HandoffRecord | undefined {
  const row = store.db
    .prepare(
      "SELECT * FROM handoffs WHERE plan_id = ? AND stage_id = ? ORDER BY number DESC LIMIT 1",
    )
    .get(planId, stageId) as HandoffRow | undefined;
  return row === undefined ? undefined : fromRow(row);
}

export function getHandoff(
  store: Store,
  planId: number,
  stageId: string,
  number: number,
): HandoffRecord | undefined {
  const row = store.db
    .prepare("SELECT * FROM handoffs WHERE plan_id = ? AND stage_id = ? AND number = ?")
    .get(planId, stageId, number) as HandoffRow | undefined;
  return row === undefined ? undefined : fromRow(row);
}
