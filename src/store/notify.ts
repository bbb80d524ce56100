/**
 * The notifier's place in the event log (server/notify.ts): the last event it has dealt with,
 * in the `meta` table, so a daemon that died mid-way sends on its next start what it had not
 * sent. No events: the cursor is bookkeeping, not a change anyone follows.
 */
import type { Store } from "./store.ts";

const KEY = "notify_seq";

/** The last event dealt with, or undefined when no notifier has run since the last reset. */
export function readNotifyCursor(store: Store): number | undefined {
  const row = store.db.prepare("SELECT value FROM meta WHERE key = ?").get(KEY) as
    { value: string } | undefined;
  if (row === undefined) return undefined;
  const seq = Number(row.value);
  return Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
}

export function writeNotifyCursor(store: Store, seq: number): void {
  store.db
    .prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .run(KEY, String(seq));
}

/** Without a notify command nothing is owed: a command set later starts from its own start. */
export function clearNotifyCursor(store: Store): void {
  store.db.prepare("DELETE FROM meta WHERE key = ?").run(KEY);
}

/** A plan's file and title by id (the one an event belongs to may no longer be active). */
export function planLabel(
  store: Store,
  planId: number,
): { file: string; title: string } | undefined {
  return store.db.prepare("SELECT file, title FROM plans WHERE id = ?").get(planId) as
    { file: string; title: string } | undefined;
}
