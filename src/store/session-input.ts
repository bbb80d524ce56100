/**
 * "Waiting for input": an attribute of a live session (DESIGN.md §3), not a stage state. An
 * interactive agent's hooks set it (a permission prompt, a notification, a Stop with nothing
 * left to remind it of) and clear it when the agent moves again. Each change is one event.
 */
import type { FluxEvent, NewEvent } from "./events.ts";
import { getSession } from "./sessions.ts";
import type { Store } from "./store.ts";

type Emit = (e: NewEvent) => FluxEvent;

/** Marks a live session as waiting for a human; returns false when nothing changed. */
export function markWaiting(store: Store, emit: Emit, id: string, reason: string): boolean {
  const session = getSession(store, id);
  if (session === undefined || session.endedAt !== null || session.waitingFor === reason)
    return false;
  const now = store.now();
  store.db
    .prepare(
      "UPDATE sessions SET waiting_for = ?, waiting_since = coalesce(waiting_since, ?), updated_at = ? WHERE id = ?",
    )
    .run(reason, now, now, id);
  emit({
    type: "session.waiting",
    planId: session.planId,
    stageId: session.stageId,
    data: { session: id, reason },
  });
  return true;
}

/** The agent moved again (a tool ran, a prompt was typed): it no longer waits. */
export function clearWaiting(store: Store, emit: Emit, id: string): boolean {
  const session = getSession(store, id);
  if (session === undefined || session.waitingFor === null) return false;
  store.db
    .prepare(
      "UPDATE sessions SET waiting_for = NULL, waiting_since = NULL, updated_at = ? WHERE id = ?",
    )
    .run(store.now(), id);
  emit({
    type: "session.resumed",
    planId: session.planId,
    stageId: session.stageId,
    data: { session: id, waitedFor: session.waitingFor },
  });
  return true;
}

/** Counts one more Stop hook reminder; returns the count. */
export function countReminder(store: Store, id: string): number {
  store.db
    .prepare("UPDATE sessions SET reminders_sent = reminders_sent + 1, updated_at = ? WHERE id = ?")
    .run(store.now(), id);
  return getSession(store, id)?.remindersSent ?? 0;
}

/** A completion request is progress: the Stop hook's reminders start again from zero. */
export function resetReminders(store: Store, id: string): void {
  store.db.prepare("UPDATE sessions SET reminders_sent = 0 WHERE id = ?").run(id);
}
