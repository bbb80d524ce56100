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
