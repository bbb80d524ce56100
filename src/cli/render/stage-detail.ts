/**
 * What `flux status <stage-id>` shows of one stage, built from store records, and its text
 * rendering: the stage as the status view sees it (state, reason, agents, counters,
 * dependencies), each of its sessions, the evidence of its latest acceptance run, its handoffs,
 * the last lines of its latest session's output (`flux logs` renders them), and warnings.
 */
import type { AcceptanceRecord } from "../../store/acceptance.ts";
import type { HandoffRecord } from "../../core/handoff/types.ts";
import type { StageState } from "../../core/stage/states.ts";
import type { StageRecord } from "../../store/store.ts";
import type { LogLine } from "../logs/lines.ts";
import { formatLine } from "../logs/lines.ts";
import { pad, paint, paintState } from "../output.ts";
import type { SessionStatus } from "./context.ts";
import { paintedContext } from "./context.ts";
import type { StageStatus } from "./status.ts";

/**
 * Something about the stage a human should look at: the health warnings of its open sessions
 * (stalled, long_running, many_turns) and of its latest session (hung), with what Flux did.
 */
export interface StageWarning {
  /** Stable, for scripts: `SESSION_SILENT`, … */
  code: string;
  message: string;
  hint?: string | undefined;
}

/** A session of the stage, numbered as `flux logs <stage> --session <n>` counts them. */
export type SessionDetail = SessionStatus & {
  /** 1, 2, 3… oldest first. */
  number: number;
  /** From its start to its end, or to now while it lives, in ms. */
  durationMs: number;
};

export interface HandoffSummary {
  number: number;
  author: HandoffRecord["author"];
  reason: HandoffRecord["reason"];
  sessionId: string | null;
  createdAt: string;
  /** The summary's first line. */
  summary: string;
  /** Its projection, relative to the repository root. */
  file: string;
}

export type StageDetail = StageStatus & {
  /** Every dependency with its state (`waitingOn` keeps the unsatisfied ones). */
  dependencyStates: { id: string; state: StageState | "missing" }[];
  /** The stages that depend on this one. */
  dependents: string[];
  maxRetries: number;
  maxFixAttempts: number;
  /** The commit whose acceptance passed, and the merge commit on the base. */
  passedCommit: string | null;
  mergeCommit: string | null;
  sessions: SessionDetail[];
  /** The latest acceptance run, with how many the stage has had. */
  acceptance: (AcceptanceRecord & { runs: number }) | null;
  handoffs: HandoffSummary[];
  /** The last readable lines of the latest session's output. */
  output: { session: string; lines: LogLine[] } | null;
  warnings: StageWarning[];
};

export interface StageDetailInput {
  /** The stage as `buildStatus` made it: one source for what the summary and detail say. */
  status: StageStatus;
  record: StageRecord;
  /** Every stage of the plan, for dependency states and dependents. */
  stages: readonly StageRecord[];
  /** The stage's sessions, oldest first, with their context. */
  sessions: readonly SessionStatus[];
  acceptance: readonly AcceptanceRecord[];
  handoffs: readonly { record: HandoffRecord; file: string }[];
  output: { session: string; lines: LogLine[] } | null;
  warnings?: StageWarning[];
  now: number;
}

export function buildStageDetail(input: StageDetailInput): StageDetail {
  const { status, record } = input;
  const states = new Map(input.stages.map((s) => [s.id, s.state]));
  const latest = input.acceptance.at(-1);
  return {
    ...status,
    dependencyStates: status.dependencies.map((id) => ({
      id,
      state: states.get(id) ?? "missing",
    })),
    dependents: input.stages
      .filter((s) => s.spec.dependencies.includes(status.id))
      .map((s) => s.id),
    maxRetries: record.spec.maxRetries,
    maxFixAttempts: record.spec.maxFixAttempts,
    passedCommit: record.passedCommit,
    mergeCommit: record.mergeCommit,
    sessions: input.sessions.map((s, i) => ({
      ...s,
      number: i + 1,
      durationMs: Math.max(
        0,
        Date.parse(s.endedAt ?? new Date(input.now).toISOString()) - Date.parse(s.createdAt),
      ),
    })),
    acceptance: latest === undefined ? null : { ...latest, runs: input.acceptance.length },
    handoffs: input.handoffs.map(({ record: h, file }) => ({
      number: h.number,
      author: h.author,
      reason: h.reason,
      sessionId: h.sessionId,
      createdAt: h.createdAt,
      summary: h.handoff.summary.trim().split("\n")[0] ?? "",
      file,
    })),
    output: input.output,
    warnings: input.warnings ?? healthWarnings(input.sessions),
  };
}

export function renderStageDetail(d: StageDetail, color: boolean): string {
  const lines: string[] = [];
  const dim = (text: string) => paint(color, "dim", text);
  const head = (text: string) => paint(color, "bold", text);
  lines.push(
    `${head(d.id)}  ${paintState(color, d.state)}${d.name === d.id ? "" : `  ${dim(d.name)}`}`,
  );
  if (d.waitingForInput !== null)
    lines.push(`  ${paint(color, "yellow", `waiting for input: ${d.waitingForInput}`)}`);
  if (d.reason !== null) lines.push(`  reason: ${d.reason}`);
  for (const w of d.warnings)
    lines.push(
      `  ${paint(color, "yellow", `warning: ${w.message}`)}${w.hint === undefined ? "" : dim(` (${w.hint})`)}`,
    );
  const agent = [`agent: ${d.agent}`];
  if (d.lastAgent !== null && d.lastAgent !== d.agent)
    agent.push(`on ${d.lastAgent} (fallback for ${d.agent})`);
  if (d.parkedUntil !== null) agent.push(`parked until ${shortTime(d.parkedUntil)}`);
  if (d.group !== null) agent.push(`group ${d.group}`);
  lines.push(`  ${agent.join(" · ")}`);
  lines.push(
    `  retries ${d.retries} of ${d.maxRetries} · fix attempts ${d.fixAttempts} of ${d.maxFixAttempts} · context: warn ${d.context.warn}% · handoff ${d.context.handoff}% · hard ${d.context.hard}%`,
  );
  lines.push(
    `  depends on: ${
      d.dependencyStates.length === 0
        ? dim("nothing")
        : d.dependencyStates
            .map((x) => `${x.id} (${x.state === "missing" ? x.state : paintState(color, x.state)})`)
            .join(", ")
    }${d.dependents.length === 0 ? "" : ` · needed by: ${d.dependents.join(", ")}`}`,
  );
  if (d.passedCommit !== null || d.mergeCommit !== null)
    lines.push(
      `  ${[
        d.passedCommit === null ? "" : `passed on ${d.passedCommit.slice(0, 8)}`,
        d.mergeCommit === null ? "" : `merged as ${d.mergeCommit.slice(0, 8)}`,
      ]
        .filter((p) => p !== "")
        .join(" · ")}`,
    );

  lines.push("");
  if (d.sessions.length === 0) lines.push(dim("Sessions: none yet"));
  else {
    lines.push(head(`Sessions (${d.sessions.length})`));
    for (const s of d.sessions) lines.push(`  ${sessionLine(s, d.context.hard, color)}`);
  }

  lines.push("");
  lines.push(...acceptanceLines(d.acceptance, color));

  lines.push("");
  if (d.handoffs.length === 0) lines.push(dim("Handoffs: none"));
  else {
    lines.push(head(`Handoffs (${d.handoffs.length})`));
    for (const h of d.handoffs)
      lines.push(
        `  ${String(h.number).padStart(3, "0")}  ${shortTime(h.createdAt)}  by ${h.author === "agent" ? "the agent" : "Flux"} (${h.reason})${h.sessionId === null ? "" : `, ${h.sessionId}`}: ${clip(h.summary, 80)}`,
      );
  }

  if (d.output !== null) {
    lines.push("");
    lines.push(
      `${head(`Last output of ${d.output.session}`)} ${dim(`(\`flux logs ${d.id}\` for all of it, -f to follow)`)}`,
    );
    if (d.output.lines.length === 0) lines.push(dim("  (nothing yet)"));
    for (const l of d.output.lines) lines.push(`  ${formatLine(l, color)}`);
  }
  return lines.join("\n");
}

function sessionLine(s: SessionDetail, hard: number, color: boolean): string {
  const parts = [`context: ${paintedContext(s, hard, color)}`];
  const tokens = s.inputTokens + s.cacheCreationTokens + s.cacheReadTokens;
  if (tokens > 0 || s.outputTokens > 0)
    parts.push(`${compact(tokens)} in / ${compact(s.outputTokens)} out`);
  if (s.costUsd !== null) parts.push(`$${s.costUsd.toFixed(4)}${s.costEstimated ? " (est.)" : ""}`);
  if (s.result !== null)
    parts.push(s.errorClass === null ? s.result : `${s.result}: ${s.errorClass}`);
  if (s.failure !== null) parts.push(paint(color, "red", `failed: ${s.failure}`));
  if (s.endedAt === null) parts.push(`running for ${duration(s.durationMs)}`);
  else parts.push(`${duration(s.durationMs)}${exitOf(s)}`);
  if (s.endedAt === null && s.waitingFor !== null)
    parts.push(paint(color, "yellow", `waiting for input: ${s.waitingFor}`));
  return `${String(s.number).padStart(2)}  ${pad(s.id, 26)}${pad(s.status, 9)}${pad(s.purpose, 9)}${pad(s.agent, 10)}${parts.join(" · ")}`;
}

function exitOf(s: SessionDetail): string {
  if (s.exitSignal !== null) return ` (${s.exitSignal})`;
  if (s.exitCode !== null) return ` (code ${s.exitCode})`;
  return "";
}

function acceptanceLines(a: StageDetail["acceptance"], color: boolean): string[] {
  if (a === null) return [paint(color, "dim", "Acceptance: not run yet")];
  const verdict = a.passed ? paint(color, "green", "passed") : paint(color, "red", "failed");
  const lines = [
    `${paint(color, "bold", "Acceptance")} ${verdict} on ${a.commit.slice(0, 8)} · ${a.trigger} · ${shortTime(a.startedAt)} · ${duration(a.durationMs)}${a.runs > 1 ? ` · run ${a.runs} of ${a.runs}` : ""}`,
  ];
  for (const c of a.checks) {
    const mark = c.skipped
      ? paint(color, "dim", "–")
      : c.passed
        ? paint(color, "green", "✓")
        : paint(color, "red", "✗");
    const how = c.skipped
      ? "skipped"
      : c.timedOut
        ? `timed out (${duration(c.durationMs)})`
        : `${c.signal ?? `exit ${c.exitCode}`} · ${duration(c.durationMs)}`;
    lines.push(`  ${mark} ${c.command}  ${paint(color, "dim", how)}`);
    if (!c.passed && !c.skipped) {
      if (c.reason !== undefined) lines.push(`      ${c.reason}`);
      const tail = c.outputTail.trimEnd().split("\n").slice(-5);
      for (const line of tail) if (line !== "") lines.push(paint(color, "dim", `      ${line}`));
    }
  }
  return lines;
}

/** `2026-01-02T03:04:05.000Z` → `2026-01-02 03:04 UTC`. */
function shortTime(iso: string): string {
  return `${iso.slice(0, 16).replace("T", " ")} UTC`;
}

/** 850 ms, 3.2s, 4m 12s, 2h 05m. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function compact(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n);
}

function clip(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** The health warnings that still say something: those of open sessions, and of the latest. */
function healthWarnings(sessions: readonly SessionStatus[]): StageWarning[] {
  const latest = sessions.at(-1);
  return sessions
    .filter((s) => s.endedAt === null || s === latest)
    .flatMap((s) =>
      s.warnings.map((w) => ({
        code: `SESSION_${w.kind.toUpperCase()}`,
        message: `${s.id}: ${w.kind.replace("_", " ")}: ${w.detail}`,
        hint: w.action,
      })),
    );
}
