/**
 * The dashboard's view model (`flux tui`): what the header, each stage row, its context gauge,
 * the session lines and the key hints say, built from the status view (render/status.ts) that
 * `flux status` prints. Pure: no terminal, no React, no clock (the time is passed in), so the
 * words are tested without a screen.
 */
import { contextText } from "../../core/context/display.ts";
import type { ContextLevel } from "../../core/context/levels.ts";
import type { FlowMode } from "../../core/flow.ts";
import { heldReason } from "../../core/flow.ts";
import type { StageState } from "../../core/stage/states.ts";
import { STAGE_STATES } from "../../core/stage/states.ts";
import type { SessionStatus } from "../render/context.ts";
import type { StageStatus, StatusView } from "../render/status.ts";

/** Whether a daemon answers, and its pid when it does. */
export type DaemonState = { up: true; pid: number } | { up: false };

/** A gauge of `width` cells: the filled part and the rest, drawn side by side. */
export interface Gauge {
  filled: string;
  empty: string;
}

export function gauge(percent: number, width: number): Gauge {
  const clamped = Math.max(0, Math.min(100, percent));
  const full = Math.round((clamped / 100) * width);
  return { filled: "█".repeat(full), empty: "░".repeat(width - full) };
}

/** One row of the stage table. */
export interface StageRow {
  id: string;
  state: StageState;
  /** The plan's agent; `codex (for claude)` when a fallback ran the latest session. */
  agent: string;
  /** The live session's context, or null when no session runs or it has no figure yet. */
  context: { percent: number; level: ContextLevel; text: string } | null;
  retries: number;
  /** What the stage waits on, why it stopped, or until when it is parked. */
  detail: string;
}

/** The stage's latest session that has not ended, if any. */
export function liveSession(view: StatusView, stageId: string): SessionStatus | undefined {
  return view.sessions.filter((s) => s.stageId === stageId && s.endedAt === null).at(-1);
}

/** The stage's sessions, oldest first. */
export function sessionsOf(view: StatusView, stageId: string): SessionStatus[] {
  return view.sessions.filter((s) => s.stageId === stageId);
}

export function stageRows(view: StatusView): StageRow[] {
  return view.stages.map((s) => {
    const live = liveSession(view, s.id);
    const health = live?.context ?? null;
    return {
      id: s.id,
      state: s.state,
      agent:
        s.lastAgent !== null && s.lastAgent !== s.agent
          ? `${s.lastAgent} (for ${s.agent})`
          : s.agent,
      context:
        health === null
          ? null
          : {
              percent: health.percent,
              level: health.level,
              text: contextText(health, s.context.hard),
            },
      retries: s.retries,
      detail: stageDetail(s),
    };
  });
}

/** As `flux status` words it: waits on, waiting for input, the reason, fix attempts. */
export function stageDetail(s: StageStatus): string {
  if (s.state === "waiting" && s.waitingOn.length > 0)
    return `waits on ${s.waitingOn.map((d) => `${d.id} (${d.state})`).join(", ")}`;
  const parts: string[] = [];
  if (s.waitingForInput !== null) parts.push(`waiting for input: ${s.waitingForInput}`);
  if (s.reason !== null) parts.push(s.reason);
  if (s.stackedOn !== null && s.reason?.startsWith("stacked on ") !== true)
    parts.push(`stacked on ${s.stackedOn.id} (${s.stackedOn.commit.slice(0, 8)})`);
  if (s.fixAttempts > 0) parts.push(`fix attempts ${s.fixAttempts}`);
  if (parts.length === 0 && s.name !== s.id) parts.push(s.name);
  return parts.join(" · ");
}

/** The header's words: progress, the flow mode, the daemon. */
export interface Header {
  title: string;
  file: string;
  baseBranch: string;
  progress: number;
  /** `3/7 done`: merged or skipped. */
  done: string;
  /** `2 running · 1 awaiting_verification`: the stages by state, in the states' order. */
  counts: string;
  flow: FlowMode;
  /** What the mode holds back, or "" while running. */
  flowNote: string;
  daemon: string;
}

export function header(view: StatusView, daemon: DaemonState): Header {
  const done = (view.counts.merged ?? 0) + (view.counts.skipped ?? 0);
  return {
    title: view.plan.title,
    file: view.plan.file,
    baseBranch: view.plan.baseBranch,
    progress: view.progress,
    done: `${done}/${view.counts.total} done`,
    counts: STAGE_STATES.filter((s) => (view.counts[s] ?? 0) > 0)
      .map((s) => `${view.counts[s]} ${s}`)
      .join(" · "),
    flow: view.flow,
    flowNote: view.flow === "running" ? "" : heldReason(view.flow).replace(/^\w+: /, ""),
    daemon: daemon.up ? `daemon up (pid ${daemon.pid})` : "daemon down",
  };
}

/** `12s`, `5m`, `3h`: how long ago `from` was. */
export function age(from: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

/** One session of the selected stage, as a line. */
export function sessionLine(s: SessionStatus, hard: number, now: number): string {
  const parts = [s.id, s.status, s.agent, s.purpose, `context ${contextText(s.context, hard)}`];
  if (s.result !== null)
    parts.push(s.errorClass === null ? s.result : `${s.result}: ${s.errorClass}`);
  if (s.failure !== null && s.failure !== s.errorClass) parts.push(`failed: ${s.failure}`);
  if (s.endedAt === null && s.waitingFor !== null) parts.push(`waiting for input: ${s.waitingFor}`);
  parts.push(
    s.endedAt === null
      ? `started ${age(s.createdAt, now)} ago`
      : `ended ${age(s.endedAt, now)} ago`,
  );
  return parts.join(" · ");
}

/** The keys of the dashboard, in the order the help lists them (docs/cli.md has the same). */
export const KEYS: readonly { keys: string; does: string }[] = [
  { keys: "↑ ↓ / k j", does: "select a stage (PgUp PgDn: a page; g G, Home End: first, last)" },
  { keys: "a", does: "attach to the stage's session (detach: Ctrl-B D) and come back" },
  { keys: "v", does: "verify: run the acceptance again, show the evidence, approve (y) or not" },
  { keys: "m", does: "merge the stage now (after y)" },
  { keys: "r", does: "resume a blocked, failed or parked stage" },
  { keys: "p", does: "pause: no session starts, nothing merges" },
  { keys: "d", does: "drain: no new stage starts, the work in progress finishes" },
  { keys: "u", does: "resume the flow (flux daemon resume)" },
  { keys: "l", does: "show or hide the log pane" },
  { keys: "?", does: "show or hide this help" },
  { keys: "q", does: "quit" },
];

const MERGEABLE: ReadonlySet<StageState> = new Set(["completed", "verified", "blocked"]);
const RESUMABLE: ReadonlySet<StageState> = new Set(["blocked", "failed", "parked"]);

/**
 * The stage keys that apply to the selected stage, for the footer: a hint, not a rule — the
 * daemon decides, and says why when it refuses.
 */
export function stageKeys(stage: StageStatus, live: boolean): string[] {
  const keys: string[] = [];
  if (live) keys.push("a attach");
  if (stage.state === "awaiting_verification") keys.push("v verify");
  if (MERGEABLE.has(stage.state)) keys.push("m merge");
  if (RESUMABLE.has(stage.state)) keys.push("r resume");
  return keys;
}

/** The selection after moving by `delta` among `count` rows (stays in range). */
export function moveSelection(index: number, delta: number, count: number): number {
  if (count === 0) return 0;
  return Math.max(0, Math.min(count - 1, index + delta));
}

/**
 * The first row shown when `height` rows fit: the previous first row, moved just enough to keep
 * the selected one in sight.
 */
export function scrollTop(selected: number, top: number, height: number, count: number): number {
  if (height <= 0 || count <= height) return 0;
  let first = Math.min(top, count - height);
  if (selected < first) first = selected;
  if (selected >= first + height) first = selected - height + 1;
  return Math.max(0, first);
}

/** Where the selection goes after a refresh: the same stage, else the same place. */
export function reselect(ids: readonly string[], selectedId: string | undefined, index: number) {
  const found = selectedId === undefined ? -1 : ids.indexOf(selectedId);
  return found >= 0 ? found : moveSelection(index, 0, ids.length);
}

/** What the evidence of a gate says, line by line, for the approve dialog. */
export interface EvidenceFacts {
  stageId: string;
  commit: string;
  passed: boolean;
  checks: { command: string; passed: boolean; skipped?: boolean; durationMs: number }[];
  commits: { sha: string; subject: string }[];
  diffStat: { files: { path: string }[]; insertions: number; deletions: number };
}

export function evidenceLines(e: EvidenceFacts, maxCommits = 5): string[] {
  const lines = [
    `${e.stageId} at ${e.commit.slice(0, 8)}: acceptance ${e.passed ? "passed" : "FAILED"}`,
  ];
  for (const check of e.checks)
    lines.push(
      `  ${check.passed ? "✓" : check.skipped === true ? "–" : "✗"} ${check.command} (${(check.durationMs / 1000).toFixed(1)}s)`,
    );
  const commits = e.commits.slice(0, maxCommits);
  lines.push(
    `Commits: ${e.commits.length}${e.commits.length > commits.length ? ` (the first ${commits.length})` : ""}`,
  );
  for (const c of commits) lines.push(`  ${c.sha.slice(0, 8)} ${c.subject}`);
  lines.push(
    `Changes: ${e.diffStat.files.length} file${e.diffStat.files.length === 1 ? "" : "s"}, +${e.diffStat.insertions} −${e.diffStat.deletions}`,
  );
  return lines;
}

/** How many rows each part of the screen gets. */
export interface Layout {
  /** Stage rows shown (the table scrolls when there are more). */
  stages: number;
  sessions: number;
  /** Log lines shown; 0 with the pane hidden. */
  log: number;
  /** Empty rows left at the bottom of the body. */
  filler: number;
}

/** Rows that are always there: header (2), stage title and column names (2), the sessions' title (1), status line (2), footer (1). */
export const FIXED_ROWS = 8;
/** At most this many sessions of the selected stage are listed (the latest). */
export const MAX_SESSION_ROWS = 3;
/** The log pane's rows below which the stage table stops giving up rows to it. */
const MIN_LOG_ROWS = 5;

/**
 * Splits `height` rows: the sessions get their rows (one saying "none" when there are none),
 * the stage table what its stages need, and the log pane (with its title row) the rest — but
 * at least MIN_LOG_ROWS, taken from the stage table, which then scrolls.
 */
export function layout(
  height: number,
  stageCount: number,
  sessionCount: number,
  showLog: boolean,
): Layout {
  const sessions = Math.max(1, Math.min(MAX_SESSION_ROWS, sessionCount));
  const body = Math.max(0, height - FIXED_ROWS - sessions);
  if (!showLog) {
    const stages = Math.min(stageCount, body);
    return { stages, sessions, log: 0, filler: body - stages };
  }
  const forLog = Math.min(MIN_LOG_ROWS + 1, body);
  const stages = Math.min(stageCount, Math.max(0, body - forLog));
  const log = Math.max(0, body - stages - 1);
  return { stages, sessions, log, filler: body - stages - (log > 0 ? log + 1 : 0) };
}

/** `text` in exactly `width` columns: padded, or cut with an ellipsis. */
export function fit(text: string, width: number): string {
  if (width <= 0) return "";
  if (text.length > width) return width === 1 ? "…" : `${text.slice(0, width - 1)}…`;
  return text + " ".repeat(width - text.length);
}

/**
 * An agent's output line made safe for a pane that lays itself out: tabs as spaces, control
 * characters out, and without colour its SGR escapes out too (the rest are dropped by ink).
 */
export function paneText(text: string, color: boolean): string {
  // eslint-disable-next-line no-control-regex
  const controls = /[\u0000-\u0008\u000b-\u001a\u001c-\u001f\u007f]/g;
  const clean = text.replace(/\t/g, "    ").replace(/\r/g, "").replace(controls, "");
  // eslint-disable-next-line no-control-regex
  return color ? clean : clean.replace(/\u001b\[[0-9;:]*m/g, "");
}

/** A section's title row: `── Stages (4) ────…` across `width` columns. */
export function titleRow(text: string, width: number): string {
  const head = `── ${text} `;
  return head.length >= width ? fit(head, width) : head + "─".repeat(width - head.length);
}

/**
 * A message in at most `rows` rows of `width` columns: its own lines, each wrapped at spaces
 * (a word longer than the width is cut), the last row ending in an ellipsis when more would
 * follow.
 */
export function messageRows(text: string, width: number, rows: number): string[] {
  if (width <= 0 || rows <= 0) return [];
  const wrapped = text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => wrap(line.trimEnd(), width));
  if (wrapped.length <= rows) return wrapped;
  const shown = wrapped.slice(0, rows);
  const last = shown[rows - 1]!;
  shown[rows - 1] = `${last.length < width ? last : last.slice(0, width - 1)}…`;
  return shown;
}

function wrap(line: string, width: number): string[] {
  const indent = /^\s*/.exec(line)![0];
  const out: string[] = [];
  let row = "";
  for (const word of line.trim().split(/\s+/)) {
    const next = row === "" ? `${indent}${word}` : `${row} ${word}`;
    if (next.length <= width) {
      row = next;
      continue;
    }
    if (row !== "") out.push(row);
    let rest = word;
    while (rest.length > width) {
      out.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    row = rest;
  }
  if (row !== "") out.push(row);
  return out;
}
