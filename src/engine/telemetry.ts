/** The agent adapters' telemetry in the store's columns (used by exit reports and hooks). */
import type { SessionTelemetry } from "../adapters/agents/types.ts";
import type { SessionTelemetryRecord } from "../store/sessions.ts";

/** The adapter's telemetry in the store's columns. */
export function telemetryRecord(t: SessionTelemetry): Partial<SessionTelemetryRecord> {
  return {
    agentSessionId: t.agentSessionId ?? null,
    model: t.model ?? null,
    inputTokens: t.usage.inputTokens,
    outputTokens: t.usage.outputTokens,
    cacheCreationTokens: t.usage.cacheCreationTokens,
    cacheReadTokens: t.usage.cacheReadTokens,
    contextTokens: t.contextTokens ?? null,
    costUsd: t.costUsd ?? null,
    costEstimated: t.costEstimated,
    result: t.result ?? null,
    errorClass: t.errorClass ?? null,
    errorMessage: t.errorMessage ?? null,
    turns: t.turns ?? null,
  };
}
