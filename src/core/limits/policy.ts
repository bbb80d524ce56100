/**
 * Rate and usage limits (pure): how long a limit an agent ran into lasts, which agent a stage
 * runs on next, and when a stage whose agents are all limited may start again.
 *
 * - `rate_limit`: short. The same agent is tried again after the reset its CLI named, or after
 *   a backoff that doubles with each limit in a row, capped.
 * - `usage_limit`: until a reset time (a subscription window, a quota): the stage's fallback
 *   agents take over meanwhile.
 *
 * A limit is the provider's, not the stage's: it never counts as a failed attempt. Limits are
 * kept per agent, so every stage on that agent sees them.
 */
import type { AgentKind } from "../plan/schema.ts";

export type LimitKind = "rate_limit" | "usage_limit";

export function isLimitKind(value: string | null | undefined): value is LimitKind {
  return value === "rate_limit" || value === "usage_limit";
}

export interface LimitSettings {
  /** The first wait after a rate limit that names no reset; it doubles with each one in a row. */
  backoffMs: number;
  backoffMaxMs: number;
  /** How long a usage limit lasts when the CLI named no reset time. */
  usageWaitMs: number;
  /** Sessions in a row ending with the same API error before a fallback agent takes over. */
  fallbackAfter: number;
}

export const DEFAULT_LIMITS: LimitSettings = {
  backoffMs: 30_000,
  backoffMaxMs: 10 * 60_000,
  usageWaitMs: 60 * 60_000,
  fallbackAfter: 2,
};

/** A limit an agent is under until `until` (epoch ms). */
export interface AgentLimit {
  agent: AgentKind;
  kind: LimitKind;
  until: number;
  /** The CLI's own words, shortened. */
  message: string;
}

/** The shortest wait Flux gives a limit, whatever the CLI said (a reset in the past, a 0). */
export const MIN_LIMIT_WAIT_MS = 1_000;

/**
 * When a limit ends: the reset the CLI named, else a backoff (`streak` is the number of limits
 * in a row before this one on the same stage) or the configured usage wait.
 */
export function limitDeadline(input: {
  kind: LimitKind;
  resetAt?: number | undefined;
  streak: number;
  now: number;
  settings: LimitSettings;
}): number {
  const { kind, resetAt, streak, now, settings } = input;
  const floor = now + MIN_LIMIT_WAIT_MS;
  if (resetAt !== undefined && Number.isFinite(resetAt)) return Math.max(resetAt, floor);
  if (kind === "usage_limit") return Math.max(now + settings.usageWaitMs, floor);
  const doubled = settings.backoffMs * 2 ** Math.min(streak, 30);
  return Math.max(now + Math.min(doubled, settings.backoffMaxMs), floor);
}

/** The agents a stage may run on, in order of preference: its own, then its fallbacks. */
export function candidateAgents(spec: {
  agent: AgentKind;
  fallbackAgents: readonly AgentKind[];
}): AgentKind[] {
  return [...new Set([spec.agent, ...spec.fallbackAgents])];
}

export type AgentChoice =
  { agent: AgentKind } | { parkedUntil: number; limits: AgentLimit[]; reason: string };

/**
 * The agent a stage starts on now. Candidates are taken in order: one that is free is chosen;
 * one under a rate limit is waited for (it resets soon: retry the same agent); one under a usage
 * limit, or one that keeps failing with the same API error (`failing`), is passed over for the
 * next. When every candidate is limited the stage parks until the earliest reset.
 */
export function chooseAgent(
  candidates: readonly AgentKind[],
  limits: ReadonlyMap<string, AgentLimit>,
  failing: ReadonlySet<string>,
  now: number,
): AgentChoice {
  const active = (agent: AgentKind): AgentLimit | undefined => {
    const limit = limits.get(agent);
    return limit !== undefined && limit.until > now ? limit : undefined;
  };
  const passed: AgentLimit[] = [];
  for (const agent of candidates) {
    const limit = active(agent);
    if (limit === undefined) {
      if (
        failing.has(agent) &&
        candidates.some((c) => c !== agent && !failing.has(c) && active(c) === undefined)
      )
        continue;
      return { agent };
    }
    if (limit.kind === "rate_limit") return park([...passed, limit], [limit]);
    passed.push(limit);
  }
  return park(passed, passed);
}

function park(limits: AgentLimit[], waitFor: AgentLimit[]): AgentChoice {
  const parkedUntil = Math.min(...waitFor.map((l) => l.until));
  return { parkedUntil, limits, reason: limits.map(describeLimit).join("; ") };
}

/** "claude usage limit", "codex rate limit". */
export function describeLimit(limit: { agent: string; kind: LimitKind }): string {
  return `${limit.agent} ${limit.kind === "rate_limit" ? "rate" : "usage"} limit`;
}

/**
 * The agents that keep failing on this stage: the agent of its latest session when its last
 * `after` sessions ran on that agent and all ended with the same API error class. Sessions
 * are given newest first.
 */
export function failingAgents(
  sessions: readonly { agent: string; errorClass: string | null }[],
  after: number,
): Set<string> {
  const latest = sessions[0];
  if (latest === undefined || latest.errorClass !== "api_error") return new Set();
  const run = sessions.slice(0, after);
  const same =
    run.length >= after &&
    run.every((s) => s.agent === latest.agent && s.errorClass === latest.errorClass);
  return same ? new Set([latest.agent]) : new Set();
}

/** Limits in a row at the head of a stage's sessions (newest first): the backoff's exponent. */
export function limitStreak(sessions: readonly { errorClass: string | null }[]): number {
  let streak = 0;
  for (const s of sessions) {
    if (!isLimitKind(s.errorClass)) break;
    streak += 1;
  }
  return streak;
}

/**
 * The stage as a fallback agent runs it: the plan's model names the stage's own agent's model,
 * so the fallback uses its CLI's default; only Claude has an interactive mode, so another
 * agent runs headless, and a headless agent cannot ask, so `ask` becomes `edits`.
 */
export function specForAgent<
  S extends {
    agent: AgentKind;
    model?: string | undefined;
    mode: "interactive" | "headless";
    permissionMode: "bypass" | "edits" | "ask";
  },
>(spec: S, agent: AgentKind): S {
  if (agent === spec.agent) return spec;
  const mode = agent === "claude" ? spec.mode : "headless";
  const permissionMode =
    mode === "headless" && spec.permissionMode === "ask" ? "edits" : spec.permissionMode;
  return { ...spec, agent, model: undefined, mode, permissionMode };
}

/**
 * "14:05" in this process's time zone when `at` is the same day as `now`, else with the date;
 * with seconds ("14:05:30") when it is less than ten minutes away.
 */
export function resetTime(at: number, now: number): string {
  const when = new Date(at);
  const time = when.toTimeString().slice(0, at - now < 10 * 60_000 ? 8 : 5);
  return when.toDateString() === new Date(now).toDateString()
    ? time
    : `${when.toISOString().slice(0, 10)} ${time}`;
}
