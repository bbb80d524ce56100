/**
 * Anthropic Messages, as Claude Code 2.1.197 speaks it (reference/agent-clis.md §1.4):
 * `POST /v1/messages?beta=true`, streamed as message_start, ping, content blocks
 * (text_delta / input_json_delta), message_delta with stop_reason and usage, message_stop.
 */
import type { ServerResponse } from "node:http";
import { hasCall, newId, type MessageReply } from "./reply.ts";
import type { SentError } from "./limits.ts";
import { halves, sendErrorJson, sendJson, sseFrame, startSse } from "./sse.ts";
import {
  arrayOf,
  firstMatch,
  header,
  isJson,
  textBeforeFirstAnswer,
  textOf,
  type Json,
  type RequestView,
  type SideCall,
  type WireFormat,
} from "./wire.ts";

const COMPACT_MARKER = "Your task is to create a detailed summary of the conversation so far";
const TITLE_MARKER = "Generate a concise, sentence-case title";

export const anthropic: WireFormat = {
  dialect: "anthropic",

  view(body, headers): RequestView {
    // Mid-conversation `role: "system"` entries exist: only assistant messages are turns.
    const messages = arrayOf(body.messages);
    // Hook context (SessionStart's additionalContext) arrives as a `system` message.
    const firstPrompt = textBeforeFirstAnswer(messages, ["user", "system"]);
    const system = textOf(body.system);
    const tools = arrayOf(body.tools).flatMap((t) => (typeof t.name === "string" ? [t.name] : []));
    return {
      conversation: {
        firstPrompt,
        turn: messages.filter((m) => m.role === "assistant").length,
        cwd:
          firstMatch([system, firstPrompt], /Primary working directory: ([^\n]+)/) ??
          firstMatch([system, firstPrompt], /^\s*(?:- )?Working directory: (\/[^\n]*)$/m),
        session: header(headers, "x-claude-code-session-id") ?? sessionFromMetadata(body.metadata),
      },
      model: typeof body.model === "string" ? body.model : "claude-fake",
      stream: body.stream === true,
      tools,
      side: sideCall(body, messages, system, tools),
    };
  },

  send(res, reply, view) {
    const message = {
      id: newId("msg_"),
      type: "message",
      role: "assistant",
      model: view.model,
      stop_sequence: null,
      usage: reply.usage,
    };
    const stopReason = hasCall(reply) ? "tool_use" : "end_turn";
    if (!view.stream) {
      sendJson(res, 200, { ...message, content: contentOf(reply), stop_reason: stopReason });
      return;
    }
    startSse(res);
    const frame = (data: Json) => res.write(sseFrame(data, data.type as string));
    // Like the real API, message_start reports output_tokens 1; message_delta has the total.
    frame({
      type: "message_start",
      message: {
        ...message,
        content: [],
        stop_reason: null,
        usage: { ...reply.usage, output_tokens: 1 },
      },
    });
    frame({ type: "ping" });
    reply.blocks.forEach((block, index) => {
      if (block.type === "text") {
        frame({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
        for (const text of halves(block.text))
          frame({ type: "content_block_delta", index, delta: { type: "text_delta", text } });
      } else {
        const content_block = { type: "tool_use", id: block.id, name: block.name, input: {} };
        frame({ type: "content_block_start", index, content_block });
        for (const partial_json of halves(JSON.stringify(block.input)))
          frame({
            type: "content_block_delta",
            index,
            delta: { type: "input_json_delta", partial_json },
          });
      }
      frame({ type: "content_block_stop", index });
    });
    frame({
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: reply.usage,
    });
    frame({ type: "message_stop" });
    res.end();
  },

  sendError(res, error: SentError) {
    const body = {
      type: "error",
      error: { type: error.type, message: error.message, ...error.body },
    };
    sendErrorJson(res, error.status, body, error.headers);
  },
};

/** `POST /v1/messages/count_tokens`: the same estimate as the default usage. */
export function countTokens(res: ServerResponse, requestBytes: number): void {
  sendJson(res, 200, { input_tokens: Math.ceil(requestBytes / 4) });
}

function contentOf(reply: MessageReply): Json[] {
  return reply.blocks.map((b) =>
    b.type === "text"
      ? { type: "text", text: b.text }
      : { type: "tool_use", id: b.id, name: b.name, input: b.input },
  );
}

function sideCall(
  body: Json,
  messages: Json[],
  system: string,
  tools: string[],
): SideCall | undefined {
  // Compaction is the main request with its tools; its last user message asks for a summary.
  const lastUser = messages.findLast((m) => m.role === "user");
  if (lastUser !== undefined && textOf(lastUser.content).includes(COMPACT_MARKER))
    return { kind: "compact" };
  if (tools.length > 0) return undefined;
  const format = isJson(body.output_config) ? body.output_config.format : undefined;
  const schema = isJson(format) && format.type === "json_schema" ? format.schema : undefined;
  if (system.includes(TITLE_MARKER)) return { kind: "title", schema };
  return { kind: "side", schema };
}

function sessionFromMetadata(metadata: unknown): string | undefined {
  // metadata.user_id is a JSON string carrying session_id.
  if (!isJson(metadata) || typeof metadata.user_id !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(metadata.user_id);
    return isJson(parsed) && typeof parsed.session_id === "string" ? parsed.session_id : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
