/**
 * Session rows with context figures, written into a real store the way the engine writes them
 * (insertSession, markSessionStarted, recordContext; recordTelemetry for rows from before the
 * window and level were recorded), for the tests of what status, the lists and the projections
 * show.
 */
import { DEFAULT_THRESHOLDS, contextLevel, contextPercent } from "../../src/core/context/levels.ts";
import type { ContextThresholds } from "../../src/core/context/levels.ts";
import { insertSession, markSessionEnded, markSessionStarted } from "../../src/store/sessions.ts";
import { recordContext, recordTelemetry } from "../../src/store/session-records.ts";
import type { Store } from "../../src/store/store.ts";

export interface ContextRow {
  id: string;
  stage: string;
  /** A context report of these tokens (over `window`, default 200k), as the engine records it. */
  tokens?: number;
  window?: number;
  thresholds?: ContextThresholds;
  /** Context tokens from the CLI's telemetry only: no window and no level recorded. */
  telemetryTokens?: number;
  model?: string;
  ended?: boolean;
}

/** The example figures: one per level, with the default thresholds and a 200k window. */
export const LEVEL_TOKENS = { green: 90_000, yellow: 130_000, red: 160_000, limit: 184_000 };

export function writeContextRows(store: Store, planId: number, rows: readonly ContextRow[]): void {
  for (const row of rows) {
    store.write((emit) => {
      insertSession(store, emit, {
        id: row.id,
        planId,
        stageId: row.stage,
        agent: "claude",
        backend: "process",
        name: `flux-${row.stage}`,
        tokenHash: `hash-${row.id}`,
        purpose: "start",
      });
      markSessionStarted(store, emit, row.id, null);
      if (row.telemetryTokens !== undefined || row.model !== undefined)
        recordTelemetry(store, emit, row.id, {
          ...(row.model === undefined ? {} : { model: row.model }),
          ...(row.telemetryTokens === undefined ? {} : { contextTokens: row.telemetryTokens }),
        });
      if (row.tokens !== undefined) {
        const window = row.window ?? 200_000;
        const percent = contextPercent(row.tokens, window);
        const level = contextLevel(percent, row.thresholds ?? DEFAULT_THRESHOLDS);
        recordContext(store, emit, row.id, { tokens: row.tokens, window, percent, level });
      }
      if (row.ended === true)
        markSessionEnded(store, emit, row.id, { status: "exited", exitCode: 0, exitSignal: null });
    });
  }
}
