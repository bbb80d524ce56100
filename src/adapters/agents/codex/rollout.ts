/**
 * Codex's context figure lives in its rollout file, not in `--json` (reference §2.5):
 * `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<ts>-<thread_id>.jsonl`, whose `token_count` events
 * carry the last request's usage and the model's window. Context = `last_token_usage`
 * input (cached included) + output, as Codex counts it against `model_context_window`.
 */
import fs from "node:fs";
import path from "node:path";
import { num, obj, parseEvent, str } from "../shared.ts";
import type { Usage } from "../types.ts";
import { codexUsage } from "./parser.ts";

export interface CodexRolloutContext {
  contextTokens: number;
  contextWindow?: number;
  model?: string;
  /** The thread's total usage so far. */
  usage: Usage;
}

/** The context of the last request in a rollout's text, or undefined before the first one. */
export function codexRolloutContext(text: string): CodexRolloutContext | undefined {
  let found: CodexRolloutContext | undefined;
  let model: string | undefined;
  for (const line of text.split("\n")) {
    const event = parseEvent(line);
    if (event === undefined) continue;
    const payload = obj(event.payload);
    if (event.type === "turn_context") model = str(payload.model) ?? model;
    if (event.type !== "event_msg" || payload.type !== "token_count") continue;
    const info = obj(payload.info);
    const lastUsage = obj(info.last_token_usage);
    found = {
      contextTokens: num(lastUsage.input_tokens) + num(lastUsage.output_tokens),
      usage: codexUsage(obj(info.total_token_usage)),
    };
    if (typeof info.model_context_window === "number") {
      found.contextWindow = info.model_context_window;
    }
  }
  if (found !== undefined && model !== undefined) found.model = model;
  return found;
}

/** `$CODEX_HOME`, or `~/.codex` as Codex itself defaults. */
export function codexHome(env: Record<string, string | undefined>): string | undefined {
  if (env.CODEX_HOME !== undefined && env.CODEX_HOME !== "") return env.CODEX_HOME;
  return env.HOME === undefined ? undefined : path.join(env.HOME, ".codex");
}

/**
 * The rollout file of a thread, newest day first (a thread is written under the day it
 * started). Undefined when Codex has not written it yet.
 */
export function findCodexRollout(home: string, threadId: string): string | undefined {
  const suffix = `-${threadId}.jsonl`;
  const walk = (depth: number, at: string): string | undefined => {
    for (const name of listDir(at).sort().reverse()) {
      const full = path.join(at, name);
      if (depth === 3) {
        if (name.startsWith("rollout-") && name.endsWith(suffix)) return full;
        continue;
      }
      const hit = walk(depth + 1, full);
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  return walk(0, path.join(home, "sessions"));
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw error;
  }
}

/**
 * The day directories a rollout begun at `at` may be in, most likely first: Codex names the day
 * in its own local time (`$TZ` of its environment, else the system's), so the day is taken in
 * each of `timeZones` (undefined: this process's zone) and in UTC, at `at` and a minute before
 * (a thread started just after midnight was named the day before). Unknown zones are skipped.
 */
export function codexRolloutDays(
  home: string,
  at: Date,
  timeZones: readonly (string | undefined)[],
): string[] {
  const days = new Set<string>();
  for (const zone of [...timeZones, "UTC"]) {
    for (const when of [at, new Date(at.getTime() - 60_000)]) {
      const day = dayIn(when, zone?.replace(/^:/, ""));
      if (day !== undefined) days.add(path.join(home, "sessions", ...day));
    }
  }
  return [...days];
}

/** The rollout of a thread in one day directory, or undefined while Codex has not written it. */
export function codexRolloutIn(dayDir: string, threadId: string): string | undefined {
  const suffix = `-${threadId}.jsonl`;
  const name = listDir(dayDir).find((n) => n.startsWith("rollout-") && n.endsWith(suffix));
  return name === undefined ? undefined : path.join(dayDir, name);
}

/** [YYYY, MM, DD] of a moment in a time zone, or undefined when the zone is unknown. */
function dayIn(at: Date, timeZone: string | undefined): [string, string, string] | undefined {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone: timeZone === "" ? undefined : timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).formatToParts(at);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return [part("year"), part("month"), part("day")];
}

export interface CodexRolloutFollowOptions {
  home: string;
  threadId: string;
  /** When the thread started (its `thread.started`). */
  at: Date;
  /** Codex's time zones to try (its `$TZ`; undefined: this process's), before UTC. */
  timeZones: readonly (string | undefined)[];
  /** Each new context figure: the last `token_count` of what was appended. */
  onContext: (context: CodexRolloutContext) => void;
  /** The following failed (no inotify watch left, the file vanished): it has stopped. */
  onError: (error: unknown) => void;
}

export interface CodexRolloutFollower {
  /** Stops following: every watcher is closed. */
  close(): void;
}

/**
 * Follows the rollout of a thread that has just started: found in the day directories it may
 * be written under (watching the deepest of each that exists, watch first and look after, until
 * Codex creates the rest), then read as it grows — the appended bytes only, whole lines only.
 * Flux starts every Codex thread fresh (it never resumes one), so the thread's day is today's in
 * Codex's clock, and the rest of the sessions tree, years of rollouts, is never listed: no
 * recursive watch (on Linux, one inotify watch and a stat per file in the tree).
 */
export function followCodexRollout(options: CodexRolloutFollowOptions): CodexRolloutFollower {
  const { threadId } = options;
  const days = codexRolloutDays(options.home, options.at, options.timeZones);
  const watchers = new Map<string, fs.FSWatcher>();
  let file: string | undefined;
  let offset = 0;
  let partial = Buffer.alloc(0);
  // The model is named once per turn, maybe in an earlier chunk than its token_count.
  let turnContext = "";
  let closed = false;

  const unwatch = (target: string) => {
    watchers.get(target)?.close();
    watchers.delete(target);
  };
  const closeAll = () => {
    for (const target of [...watchers.keys()]) unwatch(target);
  };

  /** Ends the following after a failure, which goes to onError, never to the caller. */
  const fail = (error: unknown) => {
    if (closed) return;
    closed = true;
    closeAll();
    options.onError(error);
  };
  const guard = (step: () => void) => {
    if (closed) return;
    try {
      step();
    } catch (error) {
      fail(error);
    }
  };

  /** Watches a path; false when it is gone. */
  const watch = (target: string, onEvent: (event: string) => void): boolean => {
    try {
      const watcher = fs.watch(target, { persistent: false }, (event) =>
        guard(() => onEvent(event)),
      );
      watcher.on("error", fail);
      watchers.set(target, watcher);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return false;
      throw error;
    }
  };

  const readAppended = () => {
    if (file === undefined) return;
    const fd = fs.openSync(file, "r");
    let chunk: Buffer;
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= offset) return;
      const added = Buffer.alloc(size - offset);
      const got = fs.readSync(fd, added, 0, added.length, offset);
      offset += got;
      chunk = Buffer.concat([partial, added.subarray(0, got)]);
    } finally {
      fs.closeSync(fd);
    }
    // Cut on bytes: a line (or a character) split between two writes waits for its end.
    const cut = chunk.lastIndexOf(0x0a);
    partial = Buffer.from(chunk.subarray(cut + 1));
    if (cut < 0) return;
    const lines = chunk
      .subarray(0, cut)
      .toString("utf8")
      .split("\n")
      .filter((l) => l.includes('"token_count"') || l.includes('"turn_context"'));
    const found = codexRolloutContext([turnContext, ...lines].join("\n"));
    turnContext = lines.findLast((l) => l.includes('"turn_context"')) ?? turnContext;
    if (found !== undefined) options.onContext(found);
  };

  const follow = (at: string) => {
    closeAll();
    file = at;
    watch(at, readAppended);
    readAppended();
  };

  const look = () => {
    if (file !== undefined) return;
    // Until nothing new to watch: a directory made between a look and its watch is seen.
    for (let round = 0; round < 8; round++) {
      const wanted = new Set(days.map(deepestDirectory));
      for (const target of [...watchers.keys()]) if (!wanted.has(target)) unwatch(target);
      const fresh = [...wanted].filter((target) => !watchers.has(target));
      // Only a new entry can be the way on ("rename"); other rollouts growing are not.
      for (const target of fresh)
        watch(target, (event) => {
          if (event === "rename") look();
        });
      if (fresh.length === 0) break;
    }
    for (const day of days) {
      const at = codexRolloutIn(day, threadId);
      if (at !== undefined) return follow(at);
    }
  };

  guard(look);
  return {
    close() {
      closed = true;
      closeAll();
    },
  };
}

/** The path itself when it is a directory, else its nearest ancestor that is. */
function deepestDirectory(dir: string): string {
  let at = dir;
  while (fs.statSync(at, { throwIfNoEntry: false })?.isDirectory() !== true) {
    const up = path.dirname(at);
    if (up === at) return at;
    at = up;
  }
  return at;
}
