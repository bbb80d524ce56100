/**
 * OpenAI Chat Completions, as opencode 1.18 speaks it through `@ai-sdk/openai-compatible`
 * (reference/agent-clis.md §3.3): `POST /v1/chat/completions` with stream=true; bare `data:`
 * chunks, tool calls by index, a usage chunk with no choices, then `data: [DONE]`.
 */
import { hasCall, newId, type FullUsage } from "./reply.ts";
import { halves, sendErrorJson, sendJson, sseFrame, startSse } from "./sse.ts";
import {
  arrayOf,
  firstMatch,
  header,
  openAiError,
  textBeforeFirstAnswer,
  textOf,
  type Json,
  type RequestView,
  type SideCall,
  type WireFormat,
} from "./wire.ts";

const TITLE_MARKER = "You are a title generator";
const COMPACT_MARKER = "You are a context summarization agent";

export const chat: WireFormat = {
  dialect: "chat",

  view(body, headers): RequestView {
    const messages = arrayOf(body.messages);
    const firstPrompt = textBeforeFirstAnswer(messages, ["user"]);
    const system = messages
      .filter((m) => m.role === "system")
      .map((m) => textOf(m.content))
      .join("\n");
    const tools = arrayOf(body.tools).flatMap((t) => {
      const fn = t.function as Json | undefined;
      return typeof fn?.name === "string" ? [fn.name] : [];
    });
    return {
      conversation: {
        firstPrompt,
        turn: messages.filter((m) => m.role === "assistant").length,
        cwd: firstMatch([system], /^\s*Working directory: ([^\n]+)$/m),
        session: header(headers, "x-session-id"),
      },
      model: typeof body.model === "string" ? body.model : "fake-model",
      stream: body.stream === true,
      tools,
      side: sideCall(system, tools),
    };
  },

  send(res, reply, view) {
    const base = {
      id: newId("chatcmpl-"),
      created: Math.floor(Date.now() / 1000),
      model: view.model,
    };
    const finish_reason = hasCall(reply) ? "tool_calls" : "stop";
    const text = reply.blocks.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("");
    const calls = reply.blocks.flatMap((b) => (b.type === "call" ? [b] : []));
    if (!view.stream) {
      const message: Json = { role: "assistant", content: text };
      if (calls.length > 0)
        message.tool_calls = calls.map((c) => ({
          id: c.id,
          type: "function",
          function: { name: c.name, arguments: JSON.stringify(c.input) },
        }));
      sendJson(res, 200, {
        ...base,
        object: "chat.completion",
        choices: [{ index: 0, message, finish_reason }],
        usage: usageOf(reply.usage),
      });
      return;
    }
    startSse(res);
    const chunk = (data: Json) =>
      res.write(sseFrame({ ...base, object: "chat.completion.chunk", ...data }));
    const delta = (d: Json, finish: string | null = null) =>
      chunk({ choices: [{ index: 0, delta: d, finish_reason: finish }] });
    delta({ role: "assistant", content: "" });
    if (text !== "") for (const content of halves(text)) delta({ content });
    calls.forEach((call, index) => {
      const fn = { name: call.name, arguments: "" };
      delta({ tool_calls: [{ index, id: call.id, type: "function", function: fn }] });
      for (const args of halves(JSON.stringify(call.input)))
        delta({ tool_calls: [{ index, function: { arguments: args } }] });
    });
    delta({}, finish_reason);
    chunk({ choices: [], usage: usageOf(reply.usage) });
    res.write(sseFrame("[DONE]"));
    res.end();
  },

  sendError(res, error) {
    sendErrorJson(res, error.status, openAiError(error), error.headers);
  },
};

function sideCall(system: string, tools: string[]): SideCall | undefined {
  if (system.includes(COMPACT_MARKER)) return { kind: "compact" };
  if (system.includes(TITLE_MARKER)) return { kind: "title" };
  return tools.length === 0 ? { kind: "side" } : undefined;
}

/** prompt_tokens includes the cached tokens (opencode subtracts them for `tokens.input`). */
function usageOf(usage: FullUsage): Json {
  const prompt =
    usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.output_tokens,
    total_tokens: prompt + usage.output_tokens,
    prompt_tokens_details: { cached_tokens: usage.cache_read_input_tokens },
  };
}
