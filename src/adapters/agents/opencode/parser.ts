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
 *   exit code 1, after opencode's own bounded retries (5, about 75 s, measured on a 429).
 */
import { DEFAULT_PRICES, estimateCost } from "../pricing.ts";
import type { PriceTable } from "../pricing.ts";
import { addUsage, classifyApiError, emptyUsage, num, obj, parseEvent, str } from "../shared.ts";
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
  let failure: { errorClass: ErrorClass; errorMessage: string } | undefined;

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
        failure = classifyOpencodeError(obj(event.error));
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

export function classifyOpencodeError(error: Json): {
  errorClass: ErrorClass;
  errorMessage: string;
} {
  const name = str(error.name) ?? "Error";
  const data = obj(error.data);
  const message = str(data.message) ?? name;
  const status = typeof data.statusCode === "number" ? data.statusCode : undefined;
  // The response body names opencode's own plan limits (FreeUsageLimitError…).
  const text = `${message} ${str(data.responseBody) ?? ""}`;
  const errorClass = name === "APIError" ? classifyApiError(status, text) : nonApiClass(name, text);
  return { errorClass, errorMessage: `${name}: ${message}` };
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
