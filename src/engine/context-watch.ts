/**
 * The runner follows its headless agent's context (DESIGN.md §4) and acts on it. After every
 * model call it reports the figure to the daemon (POST /v1/sessions/{id}/context) and does what
 * the answer says; past the hard limit it ends the agent itself first, so neither a slow daemon
 * nor an unreachable one lets a later tool run.
 *
 * - Sources: Claude's and opencode's streams (the parser's telemetry after each line); Codex's
 *   rollout file (`--json` has no per-request usage): found once `thread.started` names the
 *   thread — watching the directories on the way to the day it is written under, never the
 *   whole sessions tree, which is years of rollouts — then read as it grows, appended bytes only.
 * - Reports never hold up the agent's output: one in flight per session, and while it is, only
 *   the newest figure waits to go next. An unreachable daemon is written in the session's log.
 * - What ends the agent: past `hard`, at once, for every CLI; a `handoff` or `stop` answer for
 *   Codex and opencode (neither can be told mid-turn: Flux writes the handoff). Claude is told
 *   through its hooks: its runner ends it past the limit only — a `stop` below it means the
 *   stage moved on (its own handoff, a later session) and the engine ends the session itself,
 *   after giving an agent that handed off time to end its turn.
 * - Interactive sessions (the TUI) are followed by Claude's hooks, not here.
 *
 * Runs in the runner, on the dispatch path: no engine, server, store or zod imports.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import { codexHome, followCodexRollout } from "../adapters/agents/codex/rollout.ts";
import type { CodexRolloutFollower } from "../adapters/agents/codex/rollout.ts";
import type { OutputParser } from "../adapters/agents/types.ts";
import type { ContextLevel } from "../core/context/levels.ts";
import { contextLevel, contextPercent, contextWindow } from "../core/context/levels.ts";
import type { ContextAnswer, ContextReportBody } from "./hook-events.ts";
import type { SessionSpec } from "./session-files.ts";

export interface ContextWatchOptions {
  spec: SessionSpec;
  /** The parser of the agent's stdout, which has taken each line before the watch sees it. */
  parser: OutputParser | undefined;
  /** Sends a figure to the daemon: its answer, or undefined when there is no daemon. */
  report: (body: ContextReportBody) => Promise<ContextAnswer | undefined>;
  /** Ends the agent (and what it started). Called once at most. */
  stop: (why: string) => void;
  /** Appends an event to the session's log. */
  record: (event: Record<string, unknown>) => void;
  /** Shows one line in the pane (no newline). */
  show: (text: string) => void;
  /** The time, for the day a Codex rollout is written under. */
  now?: () => Date;
}

export interface ContextWatch {
  /** The parser has taken one more line of the agent's stdout. */
  parsed(): void;
  /**
   * The agent exited: closes every watcher, then waits (at most `waitMs`) for the report in
   * flight and the newest figure, so the daemon learns the last figure before the exit.
   */
  close(waitMs: number): Promise<void>;
}

interface Figure {
  tokens: number;
  window?: number | undefined;
  model?: string | undefined;
  source: ContextReportBody["source"];
}

/** A figure as the runner reads it itself: the window it divides by, its percent and level. */
interface Reading {
  window: number;
  percent: number;
  /** Undefined without thresholds in the spec. */
  level: ContextLevel | undefined;
}

const HANDOFF_NOTE = "Flux ends this session and continues from a handoff";

export function watchContext(options: ContextWatchOptions): ContextWatch {
  const { spec, parser } = options;
  const kind = spec.output ?? "text";
  if (spec.tty === true || kind === "text" || parser === undefined)
    return { parsed: () => undefined, close: () => Promise.resolve() };
  const endsAtRed = kind === "codex-json" || kind === "opencode-json";
  const policy = spec.context;

  let lastTokens: number | undefined;
  /** Model calls seen (each changes the figure): a running turn count for CLIs that give none. */
  let calls = 0;
  let next: { figure: Figure; reading: Reading } | undefined;
  let inFlight = false;
  let idle: (() => void)[] = [];
  let stopped = false;
  let closed = false;
  let shownLevel: ContextLevel | undefined;

  const read = (figure: Figure): Reading => {
    const window = contextWindow({
      reported: figure.window,
      configured: policy?.window,
      model: figure.model,
    });
    const percent = contextPercent(figure.tokens, window);
    return {
      window,
      percent,
      level: policy === undefined ? undefined : contextLevel(percent, policy),
    };
  };

  const describe = (percent: number, level: ContextLevel | undefined) =>
    level === "limit" && policy !== undefined
      ? `context ${percent}% (over the ${policy.hard}% limit)`
      : `context ${percent}%${level === undefined ? "" : ` (${level})`}`;
  const dim = (text: string) => options.show(`\u001b[2m[flux] ${text}\u001b[22m`);

  const end = (percent: number, level: ContextLevel | undefined) => {
    shownLevel = level;
    if (stopped) return;
    stopped = true;
    dim(`${describe(percent, level)}: ${HANDOFF_NOTE}`);
    options.stop(describe(percent, level));
  };

  const take = (figure: Figure) => {
    if (closed || figure.tokens === lastTokens) return;
    lastTokens = figure.tokens;
    calls += 1;
    const reading = read(figure);
    // Past the hard limit nothing waits for the daemon: the agent ends before the report goes.
    if (reading.level === "limit") end(reading.percent, reading.level);
    next = { figure, reading };
    if (!inFlight) void pump();
  };

  const act = (
    { figure, reading }: { figure: Figure; reading: Reading },
    answer: ContextAnswer | undefined,
    error: string | undefined,
  ) => {
    const percent = answer?.percent ?? reading.percent;
    const level = answer?.level ?? reading.level;
    const action = answer?.action ?? (reading.level === "limit" ? "stop" : "none");
    options.record({
      type: "context",
      tokens: figure.tokens,
      window: reading.window,
      percent,
      level: level ?? null,
      action,
      ...(error === undefined ? {} : { error }),
    });
    if ((endsAtRed && action !== "none") || (action === "stop" && level === "limit"))
      end(percent, level);
    else if (level !== shownLevel) {
      shownLevel = level;
      const told = action === "handoff" ? ": the agent is told to hand off" : "";
      dim(`${describe(percent, level)}${told}`);
    }
  };

  const pump = async () => {
    inFlight = true;
    try {
      while (next !== undefined && !closed) {
        const taken = next;
        next = undefined;
        const body: ContextReportBody = {
          tokens: taken.figure.tokens,
          ...(taken.figure.window === undefined ? {} : { window: taken.figure.window }),
          ...(taken.figure.model === undefined ? {} : { model: taken.figure.model }),
          source: taken.figure.source,
          phase: "turn",
          ...turnsOf(options.parser, calls),
        };
        let answer: ContextAnswer | undefined;
        let error: string | undefined;
        try {
          answer = await options.report(body);
          if (answer === undefined) error = "no daemon to report to";
        } catch (caught) {
          // A daemon that is down or slow: the runner decides alone (the hard limit holds).
          error = describeError(caught);
        }
        // Closed while waiting: the session's log is being closed, the answer comes too late.
        if (!closed) act(taken, answer, error);
      }
    } catch (bug) {
      options.record({ type: "context_watch_failed", error: String(bug) });
    } finally {
      inFlight = false;
      for (const done of idle.splice(0)) done();
    }
  };

  // Codex: its rollout, once `thread.started` has named the thread.
  const codex = kind === "codex-json" ? { home: codexHome(spec.env) } : undefined;
  let rollout: CodexRolloutFollower | undefined;
  const followRollout = (threadId: string, home: string) => {
    rollout = followCodexRollout({
      home,
      threadId,
      at: (options.now ?? (() => new Date()))(),
      timeZones: [spec.env.TZ, undefined],
      onContext: (found) =>
        take({
          tokens: found.contextTokens,
          window: found.contextWindow,
          model: found.model,
          source: "rollout",
        }),
      onError: (error) => options.record({ type: "context_watch_failed", error: String(error) }),
    });
  };

  return {
    parsed() {
      if (closed) return;
      const t = parser.telemetry(null);
      if (codex !== undefined) {
        if (rollout === undefined && t.agentSessionId !== undefined && codex.home !== undefined)
          followRollout(t.agentSessionId, codex.home);
        return;
      }
      if (t.contextTokens === undefined) return;
      take({ tokens: t.contextTokens, window: t.contextWindow, model: t.model, source: "stream" });
    },
    async close(waitMs) {
      rollout?.close();
      if (inFlight) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          idle.push(resolve);
          timer = setTimeout(resolve, waitMs);
        });
        clearTimeout(timer);
      }
      closed = true;
      idle = [];
    },
  };
}

/** "fetch failed: connect ECONNREFUSED 127.0.0.1:4100", "The operation was aborted due to timeout". */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/** How long an agent Flux ends has, after SIGTERM, before SIGKILL, in ms. */
export const KILL_AFTER_MS = 5_000;

/**
 * Ends the agent for Flux, once: SIGTERM to the process group the runner leads (`toGroup` set:
 * what the agent started goes too; the signal is marked there first, so the runner's own
 * handler lets it pass), else to the agent alone. If the agent is still there after
 * `killAfterMs`, SIGKILL the same way — to each process of the group but the runner, which
 * lives on to report the exit.
 */
export function endAgent(
  child: ChildProcess,
  toGroup: Set<NodeJS.Signals> | undefined,
  killAfterMs = KILL_AFTER_MS,
): void {
  if (toGroup === undefined) child.kill("SIGTERM");
  else {
    toGroup.add("SIGTERM");
    process.kill(0, "SIGTERM");
  }
  const timer = setTimeout(() => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (toGroup === undefined) child.kill("SIGKILL");
    else for (const pid of groupMembers(process.pid)) killGone(pid, "SIGKILL");
  }, killAfterMs);
  timer.unref();
  child.once("exit", () => clearTimeout(timer));
}

/**
 * After the agent exited: what it left running in the runner's group (a child still editing
 * the worktree, holding its pipes) is killed, so nothing of this session outlives it and works
 * beside the next one. Only for a runner that leads its own group; never the runner itself.
 */
export function killLeftBehind(toGroup: Set<NodeJS.Signals> | undefined): number {
  if (toGroup === undefined || !fs.existsSync("/proc/self/stat")) return 0;
  const left = groupMembers(process.pid);
  for (const pid of left) killGone(pid, "SIGKILL");
  return left.length;
}

/** The processes of a process group but its leader (Linux /proc). */
function groupMembers(group: number): number[] {
  const members: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === group) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch (error) {
      // Gone since the listing.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces; it ends at the last ")".
    const [, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === group) members.push(Number(entry));
  }
  return members;
}

function killGone(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/**
 * Model turns so far, for the many-turns warning: the parser's count, or the model calls the
 * watch has seen when the CLI counts only at the end (Claude's `num_turns`).
 */
function turnsOf(parser: OutputParser | undefined, calls: number): { turns?: number } {
  const turns = Math.max(parser?.telemetry(null).turns ?? 0, calls);
  return turns === 0 ? {} : { turns };
}
