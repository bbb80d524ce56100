/**
 * A session's context health as people see it: `flux status`, `flux sessions list`,
 * `flux attach list` and `.work/sessions/<id>.md` all read it from here, so the figure and its
 * wording are the same everywhere.
 */
import type { ContextHealth, ContextLevel, ContextPolicy } from "./levels.ts";
import { contextLevel, contextPercent, contextWindow } from "./levels.ts";

/** What a session row holds about its context (store/sessions.ts SessionRecord). */
export interface SessionContextFields {
  contextTokens: number | null;
  /** The window the figure was measured against; null on rows written before it was stored. */
  contextWindow: number | null;
  /** The level the engine decided when it recorded the figure. */
  contextLevel: ContextLevel | null;
  model: string | null;
}

/** Shown where a session has no figure yet (a column always has a cell). */
export const NO_CONTEXT = "—";

/**
 * The session's context health, or null before its first figure. The window is the one the
 * figure was measured against, else the one the settings or the model imply; the level is the
 * one the engine recorded, else the one the stage's thresholds give.
 */
export function sessionContext(
  session: SessionContextFields,
  policy: ContextPolicy,
): ContextHealth | null {
  const tokens = session.contextTokens;
  if (tokens === null) return null;
  const window =
    session.contextWindow ?? contextWindow({ configured: policy.window, model: session.model });
  const percent = contextPercent(tokens, window);
  return { tokens, window, percent, level: session.contextLevel ?? contextLevel(percent, policy) };
}

/**
 * "45%", "92% over the 90% limit", or "—" without a figure. A level recorded past the limit
 * under thresholds since raised still says it is at the limit, without a wrong number.
 */
export function contextText(health: ContextHealth | null, hard: number): string {
  if (health === null) return NO_CONTEXT;
  if (health.level !== "limit") return `${health.percent}%`;
  return health.percent >= hard
    ? `${health.percent}% over the ${hard}% limit`
    : `${health.percent}% at the hard limit`;
}

/** What each level means for the session, in the words of docs/configuration.md. */
export const LEVEL_MEANING: Record<ContextLevel, string> = {
  green: "below the warning threshold",
  yellow: "past the warning threshold: Flux watches every tool call",
  red: "past the hand-off point: the agent is told to commit, write its handoff and stop",
  limit: "past the hard limit: Flux stops the session and writes the handoff itself",
};
