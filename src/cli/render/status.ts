/** What `flux status` shows, built from store records, and its text rendering. */
import type { ContextLayer, ContextThresholds } from "../../core/context/levels.ts";
import { DEFAULT_THRESHOLDS } from "../../core/context/levels.ts";
import type { FlowMode } from "../../core/flow.ts";
import { heldReason } from "../../core/flow.ts";
import type { AgentLimit } from "../../core/limits/policy.ts";
import type { PredictedConflict } from "../../core/merge/predict.ts";
import { describeConflict } from "../../core/merge/predict.ts";
import { resetTime } from "../../core/limits/policy.ts";
import type { StageState } from "../../core/stage/states.ts";
import {
  SATISFYING_STATES,
  STAGE_STATES,
  TERMINAL_STATES,
  UNSTARTED_STATES,
} from "../../core/stage/states.ts";
import type { SessionRecord } from "../../store/sessions.ts";
import type { PlanRecord, StageRecord } from "../../store/store.ts";
import { pad, paint, paintState } from "../output.ts";
import type { SessionStatus } from "./context.ts";
import { paintedContext, stagePolicies, withContext } from "./context.ts";

export interface StageStatus {
  id: string;
  name: string;
  state: StageState;
  reason: string | null;
  dependencies: string[];
  /** Dependencies not yet merged or skipped, with their states. */
  waitingOn: { id: string; state: StageState | "missing" }[];
  group: string | null;
  /** The plan's agent for the stage. */
  agent: string;
  /**
   * The agent of its latest session: a fallback's when its own agent was limited, and for a
   * finished stage the one that finished it. Null before its first session.
   */
  lastAgent: string | null;
  /** While parked: when it goes back to ready by itself (ISO); the reason says what it waits for. */
  parkedUntil: string | null;
  retries: number;
  fixAttempts: number;
  /** Why the stage's live session waits for a human (an attribute of the session), or null. */
  waitingForInput: string | null;
  /** A stacked stage on its unmerged dependency's branch: that dependency and the commit. */
  stackedOn: { id: string; commit: string } | null;
  /** The stage's context thresholds: `[context]`, then the plan's defaults and its own. */
  context: ContextThresholds;
  updatedAt: string;
  /** `merge: pr`: the stage's pull request (number and url null when gh did not open it). */
  pullRequest?: { number: number | null; url: string | null; state: string; branch: string };
}

export interface StatusView {
  plan: { file: string; title: string; baseBranch: string; updatedAt: string };
  counts: Partial<Record<StageState, number>> & { total: number };
  /** Percent of stages merged or skipped. */
  progress: number;
  stages: StageStatus[];
  sessions: SessionStatus[];
  /** The flow mode: `paused` or `draining` after `flux pause` / `flux drain`. */
  flow: FlowMode;
  /** Rate and usage limits the agents are under now. */
  limits: { agent: string; kind: string; until: string; message: string }[];
  /**
   * Pairs of branches in flight that git predicts would conflict when both merge (`b` may be
   * the base branch: `bIsBase`), as of the engine's latest look.
   */
  conflicts: { a: string; b: string; bIsBase: boolean; files: string[]; text: string }[];
}

/**
 * `settings` is the `[context]` table of the settings: with each stage's own, it decides the
 * window of rows that did not record one and the level of rows that did not record it.
 */
export function buildStatus(
  plan: PlanRecord,
  stages: readonly StageRecord[],
  sessions: readonly SessionRecord[],
  settings: ContextLayer = {},
  limits: { records: readonly AgentLimit[]; now: number } = { records: [], now: 0 },
  flow: FlowMode = "running",
  predicted: readonly PredictedConflict[] = [],
): StatusView {
  const states = new Map(stages.map((s) => [s.id, s.state]));
  const waiting = new Map<string, string>();
  const lastAgent = new Map<string, string>();
  for (const s of sessions) {
    if (s.endedAt === null && s.waitingFor !== null) waiting.set(s.stageId, s.waitingFor);
    lastAgent.set(s.stageId, s.agent); // oldest first: the last one wins
  }
  const policyOf = stagePolicies(stages, settings);
  const counts: StatusView["counts"] = { total: stages.length };
  let done = 0;
  for (const s of stages) {
    counts[s.state] = (counts[s.state] ?? 0) + 1;
    if (SATISFYING_STATES.has(s.state)) done++;
  }
  return {
    plan: {
      file: plan.file,
      title: plan.title,
      baseBranch: plan.baseBranch,
      updatedAt: plan.updatedAt,
    },
    counts,
    progress: stages.length === 0 ? 100 : Math.round((done / stages.length) * 100),
    stages: stages.map((s) => ({
      id: s.id,
      name: s.spec.name,
      state: s.state,
      reason: s.reason,
      dependencies: s.spec.dependencies,
      waitingOn: s.spec.dependencies
        .map((d) => ({ id: d, state: states.get(d) ?? ("missing" as const) }))
        .filter((d) => d.state === "missing" || !SATISFYING_STATES.has(d.state)),
      group: s.spec.parallelGroup,
      agent: s.spec.agent,
      lastAgent: lastAgent.get(s.id) ?? null,
      parkedUntil: s.state === "parked" ? s.parkedUntil : null,
      retries: s.retries,
      fixAttempts: s.fixAttempts,
      waitingForInput: waiting.get(s.id) ?? null,
      stackedOn:
        s.stackedOn === null || s.spec.dependencies[0] === undefined
          ? null
          : { id: s.spec.dependencies[0], commit: s.stackedOn },
      context: thresholds(policyOf(s.id)),
      updatedAt: s.updatedAt,
    })),
    sessions: withContext(sessions, policyOf),
    flow,
    limits: limits.records
      .filter((l) => l.until > limits.now)
      .map((l) => ({
        agent: l.agent,
        kind: l.kind,
        until: new Date(l.until).toISOString(),
        message: l.message,
      })),
    conflicts: predicted
      .filter(
        (c) => stillInFlight(c.a.name, states) && (c.b.base || stillInFlight(c.b.name, states)),
      )
      .map((c) => ({
        a: c.a.name,
        b: c.b.name,
        bIsBase: c.b.base,
        files: c.files,
        text: describeConflict(c),
      })),
  };
}

/** A stored prediction outlives a merge or a cancel until the engine looks again: skip those. */
function stillInFlight(id: string, states: ReadonlyMap<string, StageState>): boolean {
  const state = states.get(id);
  return state !== undefined && !TERMINAL_STATES.has(state) && !UNSTARTED_STATES.has(state);
}

function thresholds({ warn, handoff, hard }: ContextThresholds): ContextThresholds {
  return { warn, handoff, hard };
}

function bar(percent: number, width: number, color: boolean): string {
  const full = Math.round((percent / 100) * width);
  return paint(color, "green", "█".repeat(full)) + paint(color, "gray", "░".repeat(width - full));
}

export function renderStatus(view: StatusView, color: boolean): string {
  const lines: string[] = [];
  lines.push(
    `${paint(color, "bold", view.plan.title)}  ${paint(color, "dim", view.plan.file)} → ${view.plan.baseBranch}`,
  );
  const summary = STAGE_STATES.filter((s) => (view.counts[s] ?? 0) > 0)
    .map((s) => `${view.counts[s]} ${paintState(color, s)}`)
    .join(" · ");
  lines.push(
    `${bar(view.progress, 24, color)} ${view.progress}%  ${view.counts.total} stages: ${summary}`,
  );
  if (view.flow !== "running")
    lines.push(
      paint(
        color,
        "yellow",
        `${view.flow === "paused" ? "Paused" : "Draining"}: ${heldReason(view.flow).replace(/^\w+: /, "")}`,
      ),
    );
  lines.push("");
  const idWidth = Math.min(40, Math.max(5, ...view.stages.map((s) => s.id.length))) + 2;
  const stateWidth = Math.max(...view.stages.map((s) => s.state.length), 5) + 2;
  lines.push(paint(color, "dim", `${pad("STAGE", idWidth)}${pad("STATE", stateWidth)}DETAIL`));
  for (const s of view.stages) {
    lines.push(
      `${pad(s.id, idWidth)}${pad(paintState(color, s.state), stateWidth)}${detail(s, color)}`,
    );
  }
  for (const l of view.limits) {
    const what = `${l.agent} ${l.kind === "rate_limit" ? "rate" : "usage"} limit until ${resetTime(Date.parse(l.until), Date.now())}`;
    lines.push(
      `${paint(color, "yellow", "Limit:")} ${what}${l.message === "" ? "" : paint(color, "dim", ` (${l.message.slice(0, 120)})`)}`,
    );
  }
  if (view.conflicts.length > 0) {
    lines.push("", paint(color, "bold", "Predicted conflicts"));
    for (const c of view.conflicts) lines.push(`  ${paint(color, "yellow", c.text)}`);
  }
  lines.push("");
  if (view.sessions.length === 0) lines.push(paint(color, "dim", "Sessions: none running"));
  else {
    lines.push(paint(color, "bold", "Sessions"));
    const hard = new Map(view.stages.map((s) => [s.id, s.context.hard]));
    for (const s of view.sessions) {
      const context = `context: ${paintedContext(s, hard.get(s.stageId) ?? DEFAULT_THRESHOLDS.hard, color)}`;
      lines.push(
        `  ${pad(s.id, 28)}${pad(s.stageId, idWidth)}${pad(s.status, 9)}${pad(s.agent, 10)}${[context, telemetry(s)].filter((p) => p !== "").join(" · ")}${s.endedAt === null && s.waitingFor !== null ? paint(color, "yellow", " · waiting for input") : ""}`,
      );
      for (const w of s.warnings)
        lines.push(
          `    ${paint(color, "yellow", `⚠ ${w.kind.replace("_", " ")}`)}: ${w.detail} ${paint(color, "dim", `— ${w.action}`)}`,
        );
    }
    const cost = view.sessions.reduce((sum, s) => sum + (s.costUsd ?? 0), 0);
    if (cost > 0) {
      const estimated = view.sessions.some((s) => s.costEstimated);
      lines.push(
        paint(
          color,
          "dim",
          `  total cost $${cost.toFixed(4)}${estimated ? " (partly estimated)" : ""}`,
        ),
      );
    }
  }
  return lines.join("\n");
}

function detail(s: StageStatus, color: boolean): string {
  if (s.state === "waiting" && s.waitingOn.length > 0) {
    return `waits on ${s.waitingOn.map((d) => `${d.id} (${d.state === "missing" ? d.state : paintState(color, d.state)})`).join(", ")}`;
  }
  const parts: string[] = [];
  if (s.waitingForInput !== null)
    parts.push(paint(color, "yellow", `waiting for input: ${s.waitingForInput}`));
  if (s.reason !== null) parts.push(s.reason);
  // The hold reason of a finished stacked stage names it already.
  if (s.stackedOn !== null && s.reason?.startsWith("stacked on ") !== true)
    parts.push(`stacked on ${s.stackedOn.id} (${s.stackedOn.commit.slice(0, 8)})`);
  if (s.lastAgent !== null && s.lastAgent !== s.agent)
    parts.push(`on ${s.lastAgent} (fallback for ${s.agent})`);
  if (s.retries > 0) parts.push(`retries ${s.retries}`);
  if (s.fixAttempts > 0) parts.push(`fix attempts ${s.fixAttempts}`);
  if (parts.length === 0 && s.name !== s.id) parts.push(paint(color, "dim", s.name));
  return parts.join(" · ");
}

/** Tokens, cost and result of a session, as far as its agent reported them. */
function telemetry(s: SessionRecord): string {
  const parts: string[] = [];
  const tokens = s.inputTokens + s.cacheCreationTokens + s.cacheReadTokens;
  if (tokens > 0 || s.outputTokens > 0)
    parts.push(`${compact(tokens)} in / ${compact(s.outputTokens)} out`);
  if (s.costUsd !== null) parts.push(`$${s.costUsd.toFixed(4)}${s.costEstimated ? " (est.)" : ""}`);
  if (s.result !== null)
    parts.push(s.errorClass === null ? s.result : `${s.result}: ${s.errorClass}`);
  if (s.failure !== null && s.failure !== s.errorClass) parts.push(`failed: ${s.failure}`);
  return parts.join(" · ");
}

function compact(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n);
}
