/**
 * Telemetry from `opencode run --format json` (reference §3.4).
 *
 * - Every event carries `sessionID` (the id `--session` resumes).
 * - `step_finish` ends one model call: tokens (input excludes cached), reasoning (billed as
 *   output) and cost. Usage and cost are summed over steps.
 * - Context = input + cache read + cache write + output of the LAST step, the way opencode
 *   itself decides to compact.
 * - opencode reports cost 0 for models it has no price for (custom providers): then the stage's
 *   model prices an estimate, when the table knows it.
 * - A failure is an `error` event (`APIError` with statusCode, `ContextOverflowError`…) and
 *   exit code 1, after opencode's own retries (5; it waits what retry-after says, however long,
 *   else 2, 4, 8, 16, 30 s).
 * - Limits (docs/agents.md "Rate and usage limits"): an APIError echoes the response's headers
 *   and body, so the reset is read from them: Codex-style `resets_at` in the body, then
 *   retry-after and the rate-limit reset headers, then the message ("try again in 20s"),
 *   counted from the event's `timestamp`.
 */
import { DEFAULT_PRICES, estimateCost } from "../pricing.ts";
import type { PriceTable } from "../pricing.ts";
import { resetFromBody, resetFromHeaders, resetFromText } from "../limits.ts";
import {
  addUsage,
  classifyApiError,
  emptyUsage,
  limitVerdict,
  num,
  obj,
  parseEvent,
  str,
} from "../shared.ts";
import type { Json } from "../shared.ts";
import type { ErrorClass, OutputParser, ParserOptions, SessionTelemetry, Usage } from "../types.ts";
import { opencodeRenderer } from "./render.ts";

export function opencodeParser(
  prices: PriceTable = DEFAULT_PRICES,
  options: ParserOptions = {},
): OutputParser {
  let sessionId: string | undefined;
  let usage: Usage = emptyUsage();
  let cost = 0;
  let steps = 0;
  let contextTokens: number | undefined;
  let failure: OpencodeFailure | undefined;
  const now = options.now ?? Date.now;

  return {
    push(line) {
      const event = parseEvent(line);
      if (event === undefined) return;
      sessionId = str(event.sessionID) ?? sessionId;
      if (event.type === "step_finish") {
        const part = obj(event.part);
        const step = stepUsage(obj(part.tokens));
        usage = addUsage(usage, step);
        cost += num(part.cost);
        steps++;
        contextTokens =
          step.inputTokens + step.cacheReadTokens + step.cacheCreationTokens + step.outputTokens;
      } else if (event.type === "error") {
        const at = typeof event.timestamp === "number" ? event.timestamp : now();
        failure = classifyOpencodeError(obj(event.error), at);
      }
    },

    telemetry(exitCode) {
      const t: SessionTelemetry = { usage, costEstimated: false, turns: steps };
      if (sessionId !== undefined) t.agentSessionId = sessionId;
      if (options.model !== undefined) t.model = options.model;
      if (contextTokens !== undefined) t.contextTokens = contextTokens;
      const estimate = cost > 0 ? undefined : estimateCost(options.model, usage, prices);
      if (estimate !== undefined) {
        t.costUsd = estimate;
        t.costEstimated = true;
      } else {
        t.costUsd = cost;
      }
      if (failure !== undefined) return { ...t, result: "error", ...failure };
      if (exitCode === 0) return { ...t, result: "success" };
      const how = exitCode === null ? "was killed" : `exited with code ${exitCode}`;
      return { ...t, result: "error", errorClass: "crash", errorMessage: `opencode ${how}` };
    },

    render: opencodeRenderer(),
  };
}

function stepUsage(tokens: Json): Usage {
  const cache = obj(tokens.cache);
  return {
    inputTokens: num(tokens.input),
    outputTokens: num(tokens.output) + num(tokens.reasoning),
    cacheCreationTokens: num(cache.write),
    cacheReadTokens: num(cache.read),
  };
}

export interface OpencodeFailure {
  errorClass: ErrorClass;
  errorMessage: string;
  limitResetAt?: number;
}

/** An `error` event's error, written at `at` (epoch ms): its class, message and reset. */
export function classifyOpencodeError(error: Json, at: number = Date.now()): OpencodeFailure {
  const name = str(error.name) ?? "Error";
  const data = obj(error.data);
  const message = str(data.message) ?? name;
  const status = typeof data.statusCode === "number" ? data.statusCode : undefined;
  // The response body names the limit (usage_limit_reached, insufficient_quota, opencode's
  // own FreeUsageLimitError…) and may carry its reset.
  const body = str(data.responseBody) ?? "";
  const text = `${message} ${body}`;
  const errorClass = name === "APIError" ? classifyApiError(status, text) : nonApiClass(name, text);
  const reset =
    resetFromBody(parseEvent(body), at) ??
    resetFromHeaders(obj(data.responseHeaders), at) ??
    resetFromText(message, at);
  return { ...limitVerdict(errorClass, reset), errorMessage: `${name}: ${message}` };
}

/** Errors the provider caused, though not reported as an APIError. */
const PROVIDER_ERRORS = new Set([
  "ContextOverflowError",
  "MessageOutputLengthError",
  "ProviderAuthError",
]);

function nonApiClass(name: string, text: string): ErrorClass {
  if (PROVIDER_ERRORS.has(name)) return "api_error";
  // UnknownError, MessageAbortedError…: opencode itself failed, unless the text says a limit.
  const byText = classifyApiError(undefined, text);
  return byText === "api_error" ? "crash" : byText;
}
