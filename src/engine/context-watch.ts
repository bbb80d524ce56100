/**
 * The runner follows its agent's context (DESIGN.md §4): after every model call it reports the
 * figure to the daemon (POST /v1/sessions/{id}/context), and ends a Codex or opencode agent
 * when Flux says so — at red (neither CLI can be told to hand off mid-turn; Flux writes the
 * handoff) and past the hard limit, which the runner checks itself before it asks, so a daemon
 * slow to answer cannot let a later tool run. Claude is told through its hooks instead; its
 * runner only reports.
 *
 * Sources: Claude's and opencode's streams (the parser's telemetry after each line), Codex's
 * rollout file (`--json` has no per-request usage: the `token_count` after each response,
 * written before the next request). Runs in the runner: no engine, server or store imports.
 */
import fs from "node:fs";
import path from "node:path";
import {
  codexHome,
  codexRolloutContext,
  findCodexRollout,
} from "../adapters/agents/codex/rollout.ts";
import type { OutputParser } from "../adapters/agents/types.ts";
import { contextLevel, contextPercent, contextWindow } from "../core/context/levels.ts";
import type { ContextAnswer, ContextReportBody } from "./hook-events.ts";
import type { SessionSpec } from "./session-files.ts";

export interface ContextFollowerOptions {
  spec: SessionSpec;
  parser: OutputParser | undefined;
  report: (body: ContextReportBody) => Promise<ContextAnswer | undefined>;
  /** Ends the agent (and what it started), once. */
  stop: (why: string) => void;
  /** Appends an event to the session's log. */
  record: (event: Record<string, unknown>) => void;
  /** A line for the pane. */
  show: (text: string) => void;
}

export interface ContextFollower {
  /** One line of the agent's stdout, after the parser has taken it. */
  line(line: string): void;
  /** The agent exited: stop watching. */
  close(): void;
}

interface Figure {
  tokens: number;
  window?: number | undefined;
  model?: string | undefined;
  source: ContextReportBody["source"];
}

export function followContext(options: ContextFollowerOptions): ContextFollower {
  const { spec } = options;
  const kind = spec.output ?? "text";
  const stopsAgent = kind === "codex-json" || kind === "opencode-json";
  let last: number | undefined;
  let inFlight = false;
  let next: Figure | undefined;
  let stopped = false;
  let level: string | undefined;
  const rollout = kind === "codex-json" ? rolloutWatch(spec, (f) => take(f)) : undefined;

  const stop = (why: string) => {
    if (stopped) return;
    stopped = true;
    options.show(
      `\u001b[2m[flux] ${why}: Flux ends this session and continues from a handoff\u001b[22m`,
    );
    options.stop(why);
  };

  const take = (figure: Figure) => {
    if (figure.tokens === last) return;
    last = figure.tokens;
    const policy = spec.context;
    if (policy !== undefined && stopsAgent) {
      const window = contextWindow({
        reported: figure.window,
        configured: policy.window,
        model: figure.model,
      });
      const percent = contextPercent(figure.tokens, window);
      if (contextLevel(percent, policy) === "limit")
        stop(`context ${percent}%, over the ${policy.hard}% limit`);
    }
    next = figure;
    if (!inFlight) void send();
  };

  const send = async (): Promise<void> => {
    inFlight = true;
    while (next !== undefined) {
      const figure = next;
      next = undefined;
      const body: ContextReportBody = {
        tokens: figure.tokens,
        ...(figure.window === undefined ? {} : { window: figure.window }),
        ...(figure.model === undefined ? {} : { model: figure.model }),
        source: figure.source,
        phase: "turn",
      };
      const answer = await options.report(body).catch((error: unknown) => {
        options.record({ type: "context_report_failed", error: String(error) });
        return undefined;
      });
      if (answer === undefined) continue;
      options.record({
        type: "context",
        tokens: figure.tokens,
        percent: answer.percent,
        level: answer.level,
        action: answer.action,
      });
      if (answer.level !== level) {
        level = answer.level;
        options.show(`\u001b[2m[flux] context ${answer.percent}% (${answer.level})\u001b[22m`);
      }
      if (stopsAgent && answer.action !== "none")
        stop(`context ${answer.percent}% (${answer.level})`);
    }
    inFlight = false;
  };

  return {
    line(line) {
      if (kind === "codex-json") {
        rollout?.line(line);
        return;
      }
      if (options.parser === undefined || kind === "text" || spec.tty === true) return;
      const t = options.parser.telemetry(null);
      if (t.contextTokens === undefined) return;
      take({ tokens: t.contextTokens, window: t.contextWindow, model: t.model, source: "stream" });
    },
    close() {
      rollout?.close();
    },
  };
}

/**
 * Follows a Codex thread's rollout file: found once `thread.started` names the thread (waiting
 * on the sessions directory until Codex creates it), then read as it grows.
 */
function rolloutWatch(
  spec: SessionSpec,
  take: (figure: Figure) => void,
): { line(line: string): void; close(): void } {
  const home = codexHome(spec.env);
  let thread: string | undefined;
  let file: string | undefined;
  let offset = 0;
  let partial = "";
  const watchers: fs.FSWatcher[] = [];
  let closed = false;

  const read = () => {
    if (file === undefined || closed) return;
    let text: string;
    try {
      const fd = fs.openSync(file, "r");
      try {
        const size = fs.fstatSync(fd).size;
        if (size <= offset) return;
        const buffer = Buffer.alloc(size - offset);
        fs.readSync(fd, buffer, 0, buffer.length, offset);
        offset = size;
        text = partial + buffer.toString("utf8");
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return;
    }
    const cut = text.lastIndexOf("\n");
    partial = text.slice(cut + 1);
    const found = codexRolloutContext(text.slice(0, cut + 1));
    if (found !== undefined)
      take({
        tokens: found.contextTokens,
        window: found.contextWindow,
        model: found.model,
        source: "rollout",
      });
  };

  const follow = (at: string) => {
    file = at;
    watchers.push(fs.watch(at, () => read()));
    read();
  };

  const look = (): boolean => {
    if (home === undefined || thread === undefined || file !== undefined) return file !== undefined;
    const at = findCodexRollout(home, thread);
    if (at === undefined) return false;
    follow(at);
    return true;
  };

  return {
    line(line) {
      if (thread !== undefined || !line.includes('"thread.started"')) return;
      try {
        const event = JSON.parse(line) as { type?: unknown; thread_id?: unknown };
        if (event.type !== "thread.started" || typeof event.thread_id !== "string") return;
        thread = event.thread_id;
      } catch {
        return;
      }
      if (look() || home === undefined) return;
      const sessions = path.join(home, "sessions");
      try {
        fs.mkdirSync(sessions, { recursive: true });
        const watcher = fs.watch(sessions, { recursive: true }, () => {
          if (look()) watcher.close();
        });
        watchers.push(watcher);
        look();
      } catch {
        // No rollout to follow: the session goes on unwatched (its exit report still counts).
      }
    },
    close() {
      closed = true;
      for (const watcher of watchers) watcher.close();
    },
  };
}
