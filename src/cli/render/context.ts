/**
 * Context health on the terminal: each session's figure with its stage's thresholds, painted
 * by level while the session lives. `flux status`, `flux sessions list` and `flux attach list`
 * share it.
 */
import { contextText, sessionContext } from "../../core/context/display.ts";
import type { ContextHealth, ContextLayer, ContextPolicy } from "../../core/context/levels.ts";
import { contextPolicy } from "../../core/context/levels.ts";
import type { SessionRecord } from "../../store/sessions.ts";
import type { StageRecord } from "../../store/store.ts";
import { paintContext } from "../output.ts";

/** A session row with its context health: null before its first figure. */
export type SessionStatus = SessionRecord & { context: ContextHealth | null };

/**
 * Each stage's thresholds: `[context]` (`settings`), then the plan's defaults and the stage's
 * own, already joined in its spec. A session of a stage the plan no longer has gets the settings'.
 */
export function stagePolicies(
  stages: readonly StageRecord[],
  settings: ContextLayer,
): (stageId: string) => ContextPolicy {
  const policies = new Map(stages.map((s) => [s.id, contextPolicy(settings, s.spec.context)]));
  const fallback = contextPolicy(settings);
  return (stageId) => policies.get(stageId) ?? fallback;
}

export function withContext(
  sessions: readonly SessionRecord[],
  policyOf: (stageId: string) => ContextPolicy,
): SessionStatus[] {
  return sessions.map((s) => ({ ...s, context: sessionContext(s, policyOf(s.stageId)) }));
}

/**
 * "45%" in the level's colour while the session lives, "—" before its first figure; an ended
 * session keeps its last figure uncoloured, since nothing is to be done about it any more.
 */
export function paintedContext(s: SessionStatus, hard: number, color: boolean): string {
  const text = contextText(s.context, hard);
  if (s.endedAt !== null || s.context === null) return text;
  return paintContext(color, s.context.level, text);
}
