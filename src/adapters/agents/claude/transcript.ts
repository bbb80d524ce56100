/**
 * Telemetry of an interactive Claude session, read from its transcript (reference §1.8): the
 * TUI has no event stream. `transcript_path` is in every hook payload; the file is written live.
 *
 * - One `assistant` line per content block, each repeating the message id and its FINAL usage:
 *   usage counts once per message id.
 * - Context = input + cache creation + cache read of the last main-thread message (not a
 *   sidechain's, not the synthetic message Claude writes for an API error); a compaction
 *   resets it to `compactMetadata.postTokens`.
 * - There is no cost in a transcript: it is estimated from the price table, and marked so.
 * - An API error is a synthetic message with Claude's tag and text (claude/api-error.ts); its
 *   `timestamp` dates a reset the text gives as a clock time ("resets 6:54pm (UTC)").
 */
import fs from "node:fs";
import { estimateCost, DEFAULT_PRICES } from "../pricing.ts";
import type { PriceTable } from "../pricing.ts";
import { addUsage, emptyUsage, num, obj, parseEvent, str } from "../shared.ts";
import type { SessionTelemetry, Usage } from "../types.ts";
import { claudeApiError } from "./api-error.ts";
import { renderClaudeLine } from "./render.ts";

/** A transcript's text, or undefined when Claude's file is gone or unreadable. */
export function readTranscript(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** `now` dates an error whose entry has no timestamp (default Date.now). */
export function claudeTranscriptTelemetry(
  text: string,
  prices: PriceTable = DEFAULT_PRICES,
  now: () => number = Date.now,
): SessionTelemetry {
  let sessionId: string | undefined;
  let model: string | undefined;
  let usage: Usage = emptyUsage();
  let contextTokens: number | undefined;
  let turns = 0;
  /** The API error of the last main-thread message, when Claude wrote a synthetic one. */
  let lastError: { tag: string; text: string; at: number } | undefined;
  const seen = new Set<string>();
  for (const line of text.split("\n")) {
    const entry = parseEvent(line);
    if (entry === undefined) continue;
    sessionId = str(entry.sessionId) ?? sessionId;
    if (entry.type === "system" && entry.subtype === "compact_boundary") {
      const post = obj(entry.compactMetadata).postTokens;
      if (typeof post === "number") contextTokens = post;
      continue;
    }
    if (entry.type !== "assistant") continue;
    const message = obj(entry.message);
    const main = entry.isSidechain !== true;
    if (message.model === "<synthetic>") {
      if (main) {
        const at = Date.parse(str(entry.timestamp) ?? "");
        const tag = str(entry.error) ?? "";
        lastError = { tag, text: firstText(message), at: Number.isNaN(at) ? now() : at };
      }
      continue;
    }
    const id = str(message.id);
    if (id !== undefined) {
      if (seen.has(id)) continue;
      seen.add(id);
    }
    const u = obj(message.usage);
    const counted: Usage = {
      inputTokens: num(u.input_tokens),
      outputTokens: num(u.output_tokens),
      cacheCreationTokens: num(u.cache_creation_input_tokens),
      cacheReadTokens: num(u.cache_read_input_tokens),
    };
    usage = addUsage(usage, counted);
    if (!main) continue;
    model = str(message.model) ?? model;
    turns++;
    lastError = undefined;
    const context = counted.inputTokens + counted.cacheCreationTokens + counted.cacheReadTokens;
    if (context > 0) contextTokens = context;
  }
  const t: SessionTelemetry = { usage, costEstimated: false, turns };
  if (sessionId !== undefined) t.agentSessionId = sessionId;
  if (model !== undefined) t.model = model;
  if (contextTokens !== undefined) t.contextTokens = contextTokens;
  const cost = estimateCost(model, usage, prices);
  if (cost !== undefined) {
    t.costUsd = cost;
    t.costEstimated = true;
  }
  if (lastError !== undefined) {
    const verdict = claudeApiError(lastError.tag || undefined, lastError.text, lastError.at);
    t.result = "error";
    t.errorClass = verdict.errorClass;
    t.errorMessage = lastError.text;
    if (verdict.limitResetAt !== undefined) t.limitResetAt = verdict.limitResetAt;
  }
  return t;
}

function firstText(message: Record<string, unknown>): string {
  const content = Array.isArray(message.content) ? message.content : [];
  for (const block of content) {
    const text = str(obj(block).text);
    if (text !== undefined) return text;
  }
  return "";
}

/**
 * The last `lines` readable lines of a transcript (what the agent said and ran), for the
 * recovery signal of the session that follows. Rendered like the headless pane.
 */
export function claudeTranscriptTail(text: string, lines: number): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const entry = parseEvent(line);
    if (entry === undefined || entry.isSidechain === true) continue;
    const message = obj(entry.message);
    // The pane hides Claude's stand-in for an API error; a recovery signal should not.
    const synthetic = entry.type === "assistant" && message.model === "<synthetic>";
    const shown = synthetic
      ? firstText(message)
      : entry.type === "system"
        ? undefined
        : renderClaudeLine(line);
    if (shown !== undefined) out.push(...shown.split("\n"));
  }
  return out.slice(-lines);
}
