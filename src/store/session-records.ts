/**
 * What Flux records on a session while it runs and when it ends badly: health warnings, the
 * failure class, the agent's telemetry and context reports (sessions.ts holds the rows and their
 * lifecycle). Each write emits its event.
 */
import type { ContextLevel } from "../core/context/levels.ts";
import type { FailureClass } from "../core/failure.ts";
import type { HealthWarning, HealthWarningKind } from "../core/health.ts";
import { withWarning } from "../core/health.ts";
import type { FluxEvent, NewEvent } from "./events.ts";
import { getSession } from "./sessions.ts";
import type { SessionTelemetryRecord } from "./sessions.ts";
import type { Store } from "./store.ts";

/** Raises a health warning on a session (replacing one of its kind) as `session.warning`. */
export function recordWarning(
  store: Store,
  emit: (e: NewEvent) => FluxEvent,
  id: string,
  warning: HealthWarning,
): void {
  const session = getSession(store, id);
  if (session === undefined) return;
  store.db
    .prepare("UPDATE sessions SET warnings = ? WHERE id = ?")
    .run(JSON.stringify(withWarning(session.warnings, warning)), id);
  emit({
    type: "session.warning",
    planId: session.planId,
    stageId: session.stageId,
    data: { session: id, ...warning },
  });
}

/** Clears a warning that no longer holds (a stalled session spoke again); false if none was raised. */
export function clearWarning(
  store: Store,
  emit: (e: NewEvent) => FluxEvent,
  id: string,
  kind: HealthWarningKind,
): boolean {
  const session = getSession(store, id);
  if (session === undefined || !session.warnings.some((w) => w.kind === kind)) return false;
  store.db
    .prepare("UPDATE sessions SET warnings = ? WHERE id = ?")
    .run(JSON.stringify(session.warnings.filter((w) => w.kind !== kind)), id);
  emit({
    type: "session.warning_cleared",
    planId: session.planId,
    stageId: session.stageId,
    data: { session: id, kind },
  });
  return true;
}

/** Records why a session failed (core/failure.ts), with what it said, as `session.failed`. */
export function recordFailure(
  store: Store,
  emit: (e: NewEvent) => FluxEvent,
  id: string,
  failure: FailureClass,
  detail: string | null = null,
): void {
  const session = getSession(store, id);
  if (session === undefined) return;
  store.db
    .prepare("UPDATE sessions SET failure = ?, failure_detail = ?, updated_at = ? WHERE id = ?")
    .run(failure, detail, store.now(), id);
  emit({
    type: "session.failed",
    planId: session.planId,
    stageId: session.stageId,
    data: { session: id, failure, ...(detail === null ? {} : { detail }) },
  });
}

/** Stores what the agent CLI reported (sent with the runner's exit report). */
export function recordTelemetry(
  store: Store,
  emit: (e: NewEvent) => FluxEvent,
  id: string,
  t: Partial<SessionTelemetryRecord>,
): void {
  const session = getSession(store, id);
  if (session === undefined) return;
  store.db
    .prepare(
      `UPDATE sessions SET agent_session_id = coalesce(?, agent_session_id), model = coalesce(?, model),
         input_tokens = ?, output_tokens = ?, cache_creation_tokens = ?, cache_read_tokens = ?,
         context_tokens = ?, cost_usd = ?, cost_estimated = ?, result = ?, error_class = ?, error_message = ?, turns = ?,
         updated_at = ?
       WHERE id = ?`,
    )
    .run(
      t.agentSessionId ?? null,
      t.model ?? null,
      t.inputTokens ?? 0,
      t.outputTokens ?? 0,
      t.cacheCreationTokens ?? 0,
      t.cacheReadTokens ?? 0,
      t.contextTokens ?? null,
      t.costUsd ?? null,
      t.costEstimated === true ? 1 : 0,
      t.result ?? null,
      t.errorClass ?? null,
      t.errorMessage ?? null,
      t.turns ?? null,
      store.now(),
      id,
    );
  emit({
    type: "session.telemetry",
    planId: session.planId,
    stageId: session.stageId,
    data: { session: id, ...t },
  });
}

/** A session's context after a model call (DESIGN.md §4): what status and the lists show. */
export interface ContextReport {
  tokens: number;
  window: number;
  percent: number;
  level: ContextLevel;
}

/**
 * Records a context report. Emits `session.context` only when the percentage, the level or
 * the window changed, so a report per tool call does not flood the event log. Returns whether
 * it did. A report that changes none of them is not written either: the projections
 * (`.work/sessions/<id>.md`) are rewritten on events, and `flux validate` compares them with
 * the rows byte for byte.
 */
export function recordContext(
  store: Store,
  emit: (e: NewEvent) => FluxEvent,
  id: string,
  report: ContextReport,
): boolean {
  const session = getSession(store, id);
  if (session === undefined) return false;
  const before =
    session.contextTokens === null || session.contextWindow === null
      ? undefined
      : Math.floor((session.contextTokens * 100) / session.contextWindow);
  if (
    before === report.percent &&
    session.contextLevel === report.level &&
    session.contextWindow === report.window
  )
    return false;
  store.db
    .prepare(
      `UPDATE sessions SET context_tokens = ?, context_window = ?, context_level = ?, context_at = ?,
         updated_at = ? WHERE id = ?`,
    )
    .run(report.tokens, report.window, report.level, store.now(), store.now(), id);
  emit({
    type: "session.context",
    planId: session.planId,
    stageId: session.stageId,
    data: { session: id, ...report },
  });
  return true;
}
