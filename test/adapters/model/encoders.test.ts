/** The three wire encoders, fed the same two-block answer. */
import { describe, expect, it } from "vitest";
import { anthropic } from "../../../src/adapters/model/anthropic.ts";
import { chat } from "../../../src/adapters/model/chat.ts";
import type { MessageReply } from "../../../src/adapters/model/reply.ts";
import { responses } from "../../../src/adapters/model/responses.ts";
import type { RequestView } from "../../../src/adapters/model/wire.ts";
import { captureResponse, dig, parseSse, sseJson, str } from "./helpers.ts";

const reply: MessageReply = {
  blocks: [
    { type: "text", text: "Writing the file." },
    { type: "call", id: "call_1", name: "write", input: { filePath: "/r/a.txt", content: "é\n" } },
  ],
  usage: {
    input_tokens: 300,
    output_tokens: 25,
    cache_creation_input_tokens: 100,
    cache_read_input_tokens: 8000,
  },
};

const view = (stream: boolean): RequestView => ({
  conversation: { firstPrompt: "", turn: 0, cwd: undefined, session: undefined },
  model: "m",
  stream,
  tools: [],
  side: undefined,
});

describe("Anthropic Messages", () => {
  it("streams the event sequence Claude Code expects", () => {
    const out = captureResponse();
    anthropic.send(out.res, reply, view(true));
    expect(out.headers()["content-type"]).toBe("text/event-stream");
    const frames = parseSse(out.body());
    const events = sseJson(out.body());
    expect(frames.map((f) => f.event)).toEqual(events.map((e) => e.type));
    expect(events.map((e) => e.type)).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const deltas = events.filter((e) => e.type === "content_block_delta");
    const text = deltas.filter((e) => e.index === 0).map((e) => str(dig(e, "delta", "text")));
    const json = deltas
      .filter((e) => e.index === 1)
      .map((e) => str(dig(e, "delta", "partial_json")));
    expect(text.join("")).toBe("Writing the file.");
    expect(JSON.parse(json.join(""))).toEqual(
      reply.blocks[1]?.type === "call" && reply.blocks[1].input,
    );
    expect(events[6]?.content_block).toEqual({
      type: "tool_use",
      id: "call_1",
      name: "write",
      input: {},
    });
    expect(dig(events[0], "message", "usage")).toMatchObject({
      input_tokens: 300,
      output_tokens: 1,
    });
    expect(events[10]).toMatchObject({
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: reply.usage,
    });
    expect(out.ended()).toBe(true);
  });

  it("answers JSON when not streaming, and a text-only answer ends the turn", () => {
    const out = captureResponse();
    anthropic.send(out.res, { ...reply, blocks: [{ type: "text", text: "Bye." }] }, view(false));
    expect(JSON.parse(out.body())).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "Bye." }],
      stop_reason: "end_turn",
      usage: reply.usage,
    });
  });

  it("sends errors in Anthropic's shape with the status", () => {
    const out = captureResponse();
    anthropic.sendError(out.res, { status: 529, type: "overloaded_error", message: "Overloaded" });
    expect(out.status()).toBe(529);
    expect(JSON.parse(out.body())).toEqual({
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    });
  });
});

describe("OpenAI Responses", () => {
  it("streams output items between created and completed, numbered", () => {
    const out = captureResponse();
    responses.send(
      out.res,
      {
        ...reply,
        blocks: reply.blocks.map((b) => ({
          ...b,
          ...(b.type === "call" ? { namespace: "mcp__orch" } : {}),
        })),
      },
      view(true),
    );
    const events = sseJson(out.body());
    expect(parseSse(out.body()).map((f) => f.event)).toEqual(events.map((e) => e.type));
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_e, i) => i));
    expect(events.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const call = dig(events[13], "item");
    expect(call).toMatchObject({
      type: "function_call",
      name: "write",
      call_id: "call_1",
      namespace: "mcp__orch",
    });
    expect(JSON.parse(str(dig(call, "arguments")))).toEqual({
      filePath: "/r/a.txt",
      content: "é\n",
    });
    // OpenAI counts cached tokens inside input_tokens.
    expect(dig(events[14], "response", "usage")).toEqual({
      input_tokens: 8400,
      input_tokens_details: { cached_tokens: 8000 },
      output_tokens: 25,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 8425,
    });
  });

  it("sends errors in OpenAI's shape with the status", () => {
    const out = captureResponse();
    responses.sendError(out.res, {
      status: 429,
      type: "rate_limit_exceeded",
      message: "slow down",
    });
    expect(out.status()).toBe(429);
    expect(JSON.parse(out.body())).toMatchObject({
      error: { message: "slow down", type: "rate_limit_exceeded" },
    });
  });
});

describe("Chat Completions", () => {
  it("streams content, indexed tool calls, the finish reason, usage and [DONE]", () => {
    const out = captureResponse();
    chat.send(out.res, reply, view(true));
    const frames = parseSse(out.body());
    expect(frames.every((f) => f.event === undefined)).toBe(true);
    expect(frames.at(-1)?.data).toBe("[DONE]");
    const chunks = sseJson(out.body());
    const choices = chunks.flatMap((c) => c.choices as Record<string, unknown>[]);
    const deltas = choices.map((ch) => ch.delta as Record<string, unknown>);
    expect(deltas[0]).toEqual({ role: "assistant", content: "" });
    expect(deltas.map((d) => str(d.content)).join("")).toBe("Writing the file.");
    const calls = deltas.flatMap((d) => (d.tool_calls ?? []) as unknown[]);
    expect(calls[0]).toMatchObject({
      index: 0,
      id: "call_1",
      type: "function",
      function: { name: "write" },
    });
    expect(JSON.parse(calls.map((c) => str(dig(c, "function", "arguments"))).join(""))).toEqual({
      filePath: "/r/a.txt",
      content: "é\n",
    });
    const finish = choices.map((ch) => ch.finish_reason);
    expect(finish.filter((f) => f !== null)).toEqual(["tool_calls"]);
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 8400,
        completion_tokens: 25,
        total_tokens: 8425,
        prompt_tokens_details: { cached_tokens: 8000 },
      },
    });
  });

  it("answers JSON when not streaming", () => {
    const out = captureResponse();
    chat.send(out.res, reply, view(false));
    expect(JSON.parse(out.body())).toMatchObject({
      object: "chat.completion",
      choices: [
        {
          message: {
            role: "assistant",
            content: "Writing the file.",
            tool_calls: [{ id: "call_1" }],
          },
          finish_reason: "tool_calls",
        },
      ],
    });
  });
});
