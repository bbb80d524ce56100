/**
 * Telemetry from `codex exec --json` (reference §2.4).
 *
 * - `turn.completed.usage` is the THREAD's running total, not the turn's: in a resumed thread
 *   it equals the rollout's `total_token_usage` (41210 = 30800 from the first run + 10410), so
 *   the last one is the total and nothing is summed. In a resumed thread it includes the
 *   earlier runs.
 * - Its `input_tokens` include the cached ones; Usage.inputTokens excludes them (as Claude's).
 * - The stream names neither the model nor a cost: the stage's model prices an estimate.
 * - It has no per-request usage, so no context figure: codex/rollout.ts reads that.
 * - `item.completed` of type `error` is a warning (e.g. unknown model metadata); a failed turn
 *   is `turn.failed`, preceded by an `error` event with the same message. Codex's own retries
 *   show as `error` events "Reconnecting... 2/5 (…)" before it.
 * - Limits (docs/agents.md "Rate and usage limits"): a 429 it gave up on reads "exceeded retry
 *   limit, last status: 429 Too Many Requests" (no reset); a usage limit "You’ve hit your usage
 *   limit. … try again at 8:26 PM." (the API's `resets_at`, in local time); insufficient_quota
 *   "Quota exceeded. Check your plan and billing details." (no reset).
 */
import { DEFAULT_PRICES, estimateCost } from "../pricing.ts";
import type { PriceTable } from "../pricing.ts";
import { resetFromText } from "../limits.ts";
import {
  classifyApiError,
  emptyUsage,
  limitVerdict,
  num,
  obj,
  parseEvent,
  str,
} from "../shared.ts";
import type { Json } from "../shared.ts";
import type { OutputParser, ParserOptions, SessionTelemetry, Usage } from "../types.ts";
import { codexRenderer } from "./render.ts";

export function codexParser(
  prices: PriceTable = DEFAULT_PRICES,
  options: ParserOptions = {},
): OutputParser {
  let threadId: string | undefined;
  let usage: Usage = emptyUsage();
  let turns = 0;
  let completed = false;
  let failure: string | undefined;
  let lastError: string | undefined;
  const now = options.now ?? Date.now;
  /** When the failure (or the last error) arrived: "try again at 8:26 PM" counts from it. */
  let failedAt = 0;

  return {
    push(line) {
      const event = parseEvent(line);
      if (event === undefined) return;
      switch (event.type) {
        case "thread.started":
          threadId = str(event.thread_id) ?? threadId;
          break;
        case "turn.completed":
          turns++;
          completed = true;
          failure = undefined;
          usage = codexUsage(obj(event.usage));
          break;
        case "turn.failed":
          turns++;
          failure = str(obj(event.error).message) ?? lastError ?? "turn failed";
          failedAt = now();
          break;
        case "error":
          lastError = str(event.message) ?? lastError;
          if (failure === undefined) failedAt = now();
          break;
      }
    },

    telemetry(exitCode) {
      const t: SessionTelemetry = { usage, costEstimated: false, turns };
      if (threadId !== undefined) t.agentSessionId = threadId;
      if (options.model !== undefined) t.model = options.model;
      const estimate = estimateCost(options.model, usage, prices);
      if (estimate !== undefined) {
        t.costUsd = estimate;
        t.costEstimated = true;
      }
      const message = failure ?? (exitCode === 0 ? undefined : lastError);
      if (message !== undefined) {
        const errorClass = classifyApiError(undefined, message);
        return {
          ...t,
          result: "error",
          ...limitVerdict(errorClass, resetFromText(message, failedAt)),
          errorMessage: message,
        };
      }
      if (completed && exitCode === 0) return { ...t, result: "success" };
      const how = exitCode === null ? "was killed" : `exited with code ${exitCode}`;
      return {
        ...t,
        result: "error",
        errorClass: "crash",
        errorMessage: `codex ${how} before its turn completed`,
      };
    },

    render: codexRenderer(),
  };
}

export function codexUsage(u: Json): Usage {
  const cached = num(u.cached_input_tokens);
  return {
    inputTokens: Math.max(0, num(u.input_tokens) - cached),
    outputTokens: num(u.output_tokens),
    cacheCreationTokens: num(u.cache_write_input_tokens),
    cacheReadTokens: cached,
  };
}
