/** What every wire format (Anthropic Messages, OpenAI Responses, Chat Completions) provides. */
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { Dialect, MessageReply } from "./reply.ts";
import type { SentError } from "./limits.ts";
import type { Conversation } from "./script.ts";

/** A request the script does not answer: a session title, a compaction, another tool-less call. */
export type SideCall =
  { kind: "title"; schema?: unknown } | { kind: "compact" } | { kind: "side"; schema?: unknown };

export interface RequestView {
  conversation: Conversation;
  model: string;
  stream: boolean;
  tools: string[];
  side: SideCall | undefined;
}

export interface WireFormat {
  dialect: Dialect;
  view(body: Record<string, unknown>, headers: IncomingHttpHeaders): RequestView;
  /** Writes the whole answer: SSE when the request streams, JSON otherwise. */
  send(res: ServerResponse, reply: MessageReply, view: RequestView): void;
  /** The provider's error body with the status, the scripted headers and extra body fields. */
  sendError(res: ServerResponse, error: SentError): void;
}

export type Json = Record<string, unknown>;

export const isJson = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export const arrayOf = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isJson) : []);

/** The text of a message's content: a string, or the `text` of each part. */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  return arrayOf(content)
    .map((part) => (typeof part.text === "string" ? part.text : ""))
    .filter((t) => t !== "")
    .join("\n");
}

/**
 * The text of the messages with one of `roles` before the model's first answer: where a
 * script's `[[script:…]]` marker is. Only assistant messages are answers.
 */
export function textBeforeFirstAnswer(messages: readonly Json[], roles: readonly string[]): string {
  const firstAnswer = messages.findIndex((m) => m.role === "assistant");
  return (firstAnswer === -1 ? messages : messages.slice(0, firstAnswer))
    .filter((m) => typeof m.role === "string" && roles.includes(m.role))
    .map((m) => textOf(m.content))
    .join("\n");
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The first capture of `pattern` in any of `texts`, trimmed. */
export function firstMatch(texts: readonly string[], pattern: RegExp): string | undefined {
  for (const text of texts) {
    const found = pattern.exec(text)?.[1]?.trim();
    if (found !== undefined && found !== "") return found;
  }
  return undefined;
}

/** OpenAI's error body, shared by Responses and Chat Completions; `body` may set `code`. */
export function openAiError(error: SentError): Json {
  const base = { message: error.message, type: error.type, code: error.type, param: null };
  return { error: { ...base, ...error.body } };
}
