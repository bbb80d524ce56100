/**
 * The flow mode (core/flow.ts) in the store's `meta` table: it survives restarts, and the CLI
 * can set it with no daemon running (the next one reads it). Changes are `flow.changed` events.
 */
import type { FlowMode } from "../core/flow.ts";
import { isFlowMode } from "../core/flow.ts";
import type { FluxEvent, NewEvent } from "./events.ts";
import type { Store } from "./store.ts";

const KEY = "flow_mode";

export function readFlow(store: Store): FlowMode {
  const row = store.db.prepare("SELECT value FROM meta WHERE key = ?").get(KEY) as
    { value: string } | undefined;
  return isFlowMode(row?.value) ? row.value : "running";
}

/** Sets the mode inside the caller's write; returns the previous one (no event when unchanged). */
export function writeFlow(
  store: Store,
  emit: (event: NewEvent) => FluxEvent,
  mode: FlowMode,
  by: string,
): FlowMode {
  const previous = readFlow(store);
  if (previous === mode) return previous;
  store.db
    .prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .run(KEY, mode);
  emit({ type: "flow.changed", planId: null, stageId: null, data: { mode, previous, by } });
  return previous;
}
