/**
 * OpenAI Responses, as Codex 0.169 speaks it (reference/agent-clis.md §2.3): `POST /v1/responses`
 * with stream=true; output items (assistant messages, function calls) streamed between
 * response.created and response.completed, which carries the usage.
 */
import { newId, type Block, type FullUsage } from "./reply.ts";
import { halves, sendErrorJson, sendJson, sseFrame, startSse } from "./sse.ts";
import {
  arrayOf,
  firstMatch,
  header,
  openAiError,
  textOf,
  type Json,
  type RequestView,
  type WireFormat,
} from "./wire.ts";

/** Items the model produced earlier; a run of them is one earlier answer. */
const MODEL_ITEMS = new Set([
  "function_call",
  "custom_tool_call",
  "local_shell_call",
  "reasoning",
  "web_search_call",
]);
const isModelItem = (item: Json) =>
  MODEL_ITEMS.has(String(item.type)) ||
  (item.role === "assistant" && item.type !== "function_call_output");

/** Codex's local compaction prompt (not exercised by the tests: it needs a long conversation). */
const COMPACT_MARKER = "CONTEXT CHECKPOINT COMPACTION";

export const responses: WireFormat = {
  dialect: "responses",

  view(body, headers): RequestView {
    const input = arrayOf(body.input);
    let turn = 0;
    input.forEach((item, i) => {
      const previous = input[i - 1];
      if (isModelItem(item) && (previous === undefined || !isModelItem(previous))) turn++;
    });
    const firstAnswer = input.findIndex(isModelItem);
    const userTexts = (firstAnswer === -1 ? input : input.slice(0, firstAnswer))
      .filter((item) => item.role === "user")
      .map((item) => textOf(item.content));
    const lastUser = input.findLast((item) => item.role === "user");
    const tools = arrayOf(body.tools).flatMap((t) => (typeof t.name === "string" ? [t.name] : []));
    return {
      conversation: {
        firstPrompt: userTexts.join("\n"),
        turn,
        cwd: firstMatch(userTexts, /<cwd>([^<]+)<\/cwd>/),
        session: header(headers, "session-id") ?? stringOr(body.prompt_cache_key),
      },
      model: stringOr(body.model) ?? "fake-model",
      stream: body.stream === true,
      tools,
      side:
        lastUser !== undefined && textOf(lastUser.content).includes(COMPACT_MARKER)
          ? { kind: "compact" }
          : tools.length === 0
            ? { kind: "side" }
            : undefined,
    };
  },

  // The Responses API has no stop reason: a function_call item is what asks for another turn.
  send(res, reply, view) {
    const base = {
      id: newId("resp_"),
      object: "response",
      created_at: Math.floor(Date.now() / 1000),
      model: view.model,
    };
    const items = reply.blocks.map(outputItem);
    const completed = { ...base, status: "completed", output: items, usage: usageOf(reply.usage) };
    if (!view.stream) {
      sendJson(res, 200, completed);
      return;
    }
    startSse(res);
    let sequence = 0;
    const frame = (type: string, data: Json) =>
      res.write(sseFrame({ type, sequence_number: sequence++, ...data }, type));
    const started = { ...base, status: "in_progress", output: [], usage: null };
    frame("response.created", { response: started });
    frame("response.in_progress", { response: started });
    reply.blocks.forEach((block, output_index) => {
      const item = items[output_index] as Json;
      const ids = { item_id: item.id, output_index };
      if (block.type === "text") {
        frame("response.output_item.added", {
          output_index,
          item: { ...item, status: "in_progress", content: [] },
        });
        const part = { type: "output_text", text: "", annotations: [] };
        frame("response.content_part.added", { ...ids, content_index: 0, part });
        for (const delta of halves(block.text))
          frame("response.output_text.delta", { ...ids, content_index: 0, delta });
        frame("response.output_text.done", { ...ids, content_index: 0, text: block.text });
        frame("response.content_part.done", {
          ...ids,
          content_index: 0,
          part: { ...part, text: block.text },
        });
      } else {
        frame("response.output_item.added", {
          output_index,
          item: { ...item, status: "in_progress", arguments: "" },
        });
        const args = JSON.stringify(block.input);
        for (const delta of halves(args))
          frame("response.function_call_arguments.delta", { ...ids, delta });
        frame("response.function_call_arguments.done", { ...ids, arguments: args });
      }
      frame("response.output_item.done", { output_index, item });
    });
    frame("response.completed", { response: completed });
    res.end();
  },

  sendError(res, error) {
    sendErrorJson(res, error.status, openAiError(error), error.headers);
  },
};

function outputItem(block: Block): Json {
  if (block.type === "text")
    return {
      id: newId("msg_"),
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: block.text, annotations: [] }],
    };
  return {
    id: newId("fc_"),
    type: "function_call",
    status: "completed",
    name: block.name,
    ...(block.namespace === undefined ? {} : { namespace: block.namespace }),
    call_id: block.id,
    arguments: JSON.stringify(block.input),
  };
}

/** OpenAI counts cached tokens inside input_tokens; the script counts them apart. */
function usageOf(usage: FullUsage): Json {
  const input =
    usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cache_read_input_tokens },
    output_tokens: usage.output_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + usage.output_tokens,
  };
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
