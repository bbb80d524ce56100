/**
 * Telemetry from Claude Code's stream-json (reference §1.5).
 *
 * - Claude writes ONE `assistant` event per content block, each repeating the message's id and
 *   usage: usage counts once per message id.
 * - Those usages carry `output_tokens` from `message_start` (1, not the final count), so the
 *   session's totals come from `result`: its `modelUsage` is cumulative over the process (all
 *   models, side calls included) while its `usage` covers one prompt only (measured with
 *   several prompts on stdin). Messages after the last result are added from the stream.
 * - `total_cost_usd` is cumulative too: the last result's is the session's cost.
 * - Context = input + cache creation + cache read of the last main-thread message: not a
 *   subagent's (`parent_tool_use_id`), not the synthetic message Claude writes for an API error
 *   (model `<synthetic>`, zero usage). A compaction resets it to `post_tokens`.
 * - Limits (docs/agents.md "Rate and usage limits"): a subscriber's rejected request comes with
 *   `{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":<epoch s>}}`,
 *   the exact reset; otherwise the result's text may name one ("resets 6:54pm (UTC)"). An API
 *   key's 429 names none: Claude's `api_retry` events carry the delay it waited before each
 *   retry, not when the limit it finally gave up on resets.
 */
import { estimateCost, DEFAULT_PRICES } from "../pricing.ts";
import type { PriceTable } from "../pricing.ts";
import { resetFromText } from "../limits.ts";
import {
  addUsage,
  classifyApiError,
  emptyUsage,
  limitVerdict,
  num,
  obj,
  parseEvent,
  str,
  usageTotal,
} from "../shared.ts";
import type { Json } from "../shared.ts";
import type { ErrorClass, OutputParser, ParserOptions, SessionTelemetry, Usage } from "../types.ts";
import { renderClaudeLine } from "./render.ts";

export function claudeParser(
  prices: PriceTable = DEFAULT_PRICES,
  options: ParserOptions = {},
): OutputParser {
  let sessionId: string | undefined;
  let model: string | undefined;
  const seen = new Set<string>();
  /** Cumulative totals as of the last result (undefined before the first one). */
  let resultTotals: Usage | undefined;
  /** Usage of the messages streamed since the last result (or since the start). */
  let sinceResult = emptyUsage();
  let activeSinceResult = false;
  let contextTokens: number | undefined;
  let contextWindow: number | undefined;
  let costUsd: number | undefined;
  let turns = 0;
  let last: Json | undefined;
  /** The `error` tag of Claude's synthetic error message ("rate_limit", "billing_error"…). */
  let syntheticError: string | undefined;
  const now = options.now ?? Date.now;
  /** When the last result arrived: a reset its text names as a clock time counts from it. */
  let resultAt = 0;
  /** The exact reset of the last rejected rate_limit_event (epoch ms). */
  let rejectedReset: number | undefined;

  const onAssistant = (event: Json): void => {
    activeSinceResult = true;
    const message = obj(event.message);
    const usage = messageUsage(obj(message.usage));
    if (message.model === "<synthetic>") {
      syntheticError = str(event.error) ?? syntheticError;
      return;
    }
    const id = str(message.id);
    if (id !== undefined) {
      if (seen.has(id)) return;
      seen.add(id);
    }
    sinceResult = addUsage(sinceResult, usage);
    const mainThread = event.parent_tool_use_id == null && event.isSidechain !== true;
    const context = usage.inputTokens + usage.cacheCreationTokens + usage.cacheReadTokens;
    if (mainThread && context > 0) contextTokens = context;
  };

  const onResult = (event: Json): void => {
    last = event;
    resultAt = now();
    activeSinceResult = false;
    turns += num(event.num_turns);
    const modelUsage = obj(event.modelUsage);
    const entries = Object.values(modelUsage).map(obj);
    if (entries.length > 0) {
      resultTotals = entries.map(modelUsageOf).reduce(addUsage, emptyUsage());
    } else {
      resultTotals = addUsage(resultTotals ?? emptyUsage(), messageUsage(obj(event.usage)));
    }
    sinceResult = emptyUsage();
    if (typeof event.total_cost_usd === "number") costUsd = event.total_cost_usd;
    const mine = model === undefined ? undefined : obj(modelUsage[model]);
    const window = mine?.contextWindow ?? entries[0]?.contextWindow;
    if (typeof window === "number") contextWindow = window;
  };

  return {
    push(line) {
      const event = parseEvent(line);
      if (event === undefined) return;
      sessionId = str(event.session_id) ?? sessionId;
      if (event.type === "system" && event.subtype === "init") {
        model = str(event.model) ?? model;
      } else if (event.type === "system" && event.subtype === "compact_boundary") {
        const post = obj(event.compact_metadata).post_tokens;
        if (typeof post === "number") contextTokens = post;
      } else if (event.type === "assistant") {
        onAssistant(event);
      } else if (event.type === "user") {
        activeSinceResult = true;
      } else if (event.type === "result") {
        onResult(event);
      } else if (event.type === "rate_limit_event") {
        const info = obj(event.rate_limit_info);
        const resetsAt = num(info.resetsAt);
        rejectedReset = info.status === "rejected" && resetsAt > 0 ? resetsAt * 1000 : undefined;
      }
    },

    telemetry(exitCode) {
      const usage = addUsage(resultTotals ?? emptyUsage(), sinceResult);
      const name = model ?? options.model;
      const t: SessionTelemetry = { usage, costEstimated: false, turns };
      if (sessionId !== undefined) t.agentSessionId = sessionId;
      if (name !== undefined) t.model = name;
      if (contextTokens !== undefined) t.contextTokens = contextTokens;
      if (contextWindow !== undefined) t.contextWindow = contextWindow;
      if (costUsd !== undefined && usageTotal(sinceResult) === 0) {
        t.costUsd = costUsd;
      } else {
        // No result (a crash), or work after the last one: the CLI's figure is missing or old.
        const estimate = estimateCost(name, usage, prices);
        if (estimate !== undefined) {
          t.costUsd = estimate;
          t.costEstimated = true;
        } else if (costUsd !== undefined) {
          t.costUsd = costUsd;
        }
      }
      const verdict = judge(last, syntheticError, exitCode, activeSinceResult);
      if (verdict.errorClass === undefined) return { ...t, ...verdict };
      const text = str(last?.result) ?? "";
      const reset = rejectedReset ?? resetFromText(text, resultAt);
      return { ...t, ...verdict, ...limitVerdict(verdict.errorClass, reset) };
    },

    render: renderClaudeLine,
  };
}

type Verdict = Pick<SessionTelemetry, "result" | "errorClass" | "errorMessage">;

function judge(
  result: Json | undefined,
  syntheticError: string | undefined,
  exitCode: number | null,
  activeSinceResult: boolean,
): Verdict {
  const crashed = exitCode === null || exitCode !== 0;
  if (result === undefined || (crashed && activeSinceResult)) {
    const how = exitCode === null ? "was killed" : `exited with code ${exitCode}`;
    const when = result === undefined ? "before its result" : "in the middle of a prompt";
    return { result: "error", errorClass: "crash", errorMessage: `claude ${how} ${when}` };
  }
  const text = str(result.result) ?? "";
  if (result.subtype === "error_max_turns") {
    return {
      result: "error",
      errorClass: "max_turns",
      errorMessage: `reached the maximum number of turns (${num(result.num_turns)})`,
    };
  }
  if (result.is_error !== true && result.subtype === "success") return { result: "success" };
  const status = typeof result.api_error_status === "number" ? result.api_error_status : undefined;
  return {
    result: "error",
    errorClass: errorClassOf(result, status, syntheticError, text),
    errorMessage: text === "" ? `claude ended with ${str(result.subtype) ?? "an error"}` : text,
  };
}

function errorClassOf(
  result: Json,
  status: number | undefined,
  syntheticError: string | undefined,
  text: string,
): ErrorClass {
  if (syntheticError === "billing_error") return "usage_limit";
  if (status !== undefined || syntheticError === "rate_limit") {
    return classifyApiError(syntheticError === "rate_limit" ? 429 : status, text);
  }
  // `error_during_execution`: Claude itself failed, not the API.
  if (result.subtype === "error_during_execution") return "crash";
  return classifyApiError(undefined, text);
}

function messageUsage(u: Json): Usage {
  return {
    inputTokens: num(u.input_tokens),
    outputTokens: num(u.output_tokens),
    cacheCreationTokens: num(u.cache_creation_input_tokens),
    cacheReadTokens: num(u.cache_read_input_tokens),
  };
}

function modelUsageOf(u: Json): Usage {
  return {
    inputTokens: num(u.inputTokens),
    outputTokens: num(u.outputTokens),
    cacheCreationTokens: num(u.cacheCreationInputTokens),
    cacheReadTokens: num(u.cacheReadInputTokens),
  };
}
