/** Small pieces every agent adapter uses: usage arithmetic, event lines, error wording. */
import { ExitCode, FluxError } from "../../core/errors.ts";
import type { Stage } from "../../core/plan/model.ts";
import type { ErrorClass, Usage } from "./types.ts";

export type Json = Record<string, unknown>;

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0 };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheCreationTokens: a.cacheCreationTokens + b.cacheCreationTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
  };
}

export function usageTotal(u: Usage): number {
  return u.inputTokens + u.outputTokens + u.cacheCreationTokens + u.cacheReadTokens;
}

/** A JSON object event, or undefined for blank lines, plain text and non-object JSON. */
export function parseEvent(line: string): Json | undefined {
  const text = line.trim();
  if (!text.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch (error) {
    // A line cut by a crash, or text that merely starts with a brace: not an event.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function obj(value: unknown): Json {
  return isObject(value) ? value : {};
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** The first line of `text`, cut to `max` characters: pane lines stay one line each. */
export function oneLine(text: string, max = 200): string {
  const first = text.trim().split("\n")[0] ?? "";
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}

/**
 * Subscription, quota and credit limits, as the CLIs word them (measured on Claude Code
 * 2.1.197, codex 0.169.0 and opencode 1.18.33; docs/agents.md "Rate and usage limits"). They
 * mean "wait for the reset or switch vendor", unlike a transient 429. Claude also says "(not
 * your usage limit)" on a subscriber's plain 429: not matched here.
 */
const USAGE_LIMIT = new RegExp(
  [
    // Claude's subscription limits ("You've hit your session limit · resets …"), Codex's
    // usage_limit_reached ("You’ve hit your usage limit. … try again at …").
    "you['’]ve (hit|reached|used) your",
    "usage limit reached",
    "usage_limit",
    // Anthropic's credit balance (billing_error), Claude's usage credits and org spend caps.
    "credit balance (is )?too low",
    "out of (usage |extra )?(credits|usage)",
    "spend limit",
    // OpenAI's insufficient_quota: Codex says "Quota exceeded. Check your plan and billing
    // details.", opencode passes the API's "You exceeded your current quota".
    "insufficient_quota",
    "exceeded your current quota",
    "quota exceeded",
    // Codex's usage_not_included: the ChatGPT plan does not include Codex at all.
    "usage_not_included",
    "with your chatgpt plan, upgrade",
    // opencode's own plans.
    "FreeUsageLimitError",
    "GoUsageLimitError",
    "free usage exceeded",
  ].join("|"),
  "i",
);
const RATE_LIMIT = /\b429\b|rate[ _-]?limit|too many requests/i;

/** Classifies an API failure from its HTTP status (when known) and its message. */
export function classifyApiError(status: number | undefined, message: string): ErrorClass {
  if (USAGE_LIMIT.test(message) && !/not your usage limit/i.test(message)) return "usage_limit";
  if (status === 429 || RATE_LIMIT.test(message)) return "rate_limit";
  return "api_error";
}

export function isLimit(errorClass: ErrorClass | undefined): errorClass is LimitClass {
  return errorClass === "rate_limit" || errorClass === "usage_limit";
}

export type LimitClass = Extract<ErrorClass, "rate_limit" | "usage_limit">;

/** What a failure says about a limit: its class, and its reset when the CLI named one. */
export interface LimitVerdict {
  errorClass: ErrorClass;
  limitResetAt?: number;
}

/** `errorClass` with `reset` attached when both are known and the class is a limit. */
export function limitVerdict(errorClass: ErrorClass, reset: number | undefined): LimitVerdict {
  return isLimit(errorClass) && reset !== undefined
    ? { errorClass, limitResetAt: reset }
    : { errorClass };
}

/** Only Claude Code's TUI has been verified under Flux (DESIGN §3): the others run headless. */
export function requireHeadless(stage: Stage): void {
  if (stage.mode === "headless") return;
  throw new FluxError(
    "AGENT_MODE_UNSUPPORTED",
    `stage ${stage.id}: ${stage.agent} does not support interactive mode yet`,
    {
      hint: `set \`mode: headless\` on ${stage.id} (or in the plan's defaults)`,
      exitCode: ExitCode.invalidPlan,
      data: { stage: stage.id, agent: stage.agent, mode: stage.mode },
    },
  );
}

/**
 * Commands a headless agent must be able to run whatever its permission mode, or it cannot
 * finish its stage: commit (acceptance runs on a committed state) and call flux. Permission
 * rules match the command's words, so this is `flux …` by name (PATH has it): outside bypass,
 * Claude refuses `"$FLUX_BIN" …` whatever the rules say (measured: "Contains simple_expansion").
 */
export const PROTOCOL_COMMANDS = [
  "flux",
  "git status",
  "git diff",
  "git log",
  "git add",
  "git commit",
] as const;
