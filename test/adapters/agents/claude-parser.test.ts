/** Claude Code stream-json → session telemetry, over real outputs and synthetic error lines. */
import { describe, expect, it } from "vitest";
import { claudeParser } from "../../../src/adapters/agents/index.ts";
import { feed, fixture, line } from "./helpers.ts";

const parse = (name: string, exitCode: number | null = 0) =>
  feed(claudeParser(), fixture(name)).telemetry(exitCode);

describe("claude telemetry from real streams", () => {
  it("a plain run: usage once per message id, context of the last message, the CLI's cost", () => {
    expect(parse("claude-stream-sample.jsonl")).toEqual({
      agentSessionId: "263de562-be27-41a9-8391-195c5c3958b1",
      model: "claude-opus-4-8[1m]",
      usage: {
        inputTokens: 12,
        outputTokens: 120,
        cacheCreationTokens: 12550,
        cacheReadTokens: 24300,
      },
      contextTokens: 4 + 250 + 12300,
      contextWindow: 1_000_000,
      costUsd: 0.09364750000000001,
      costEstimated: false,
      result: "success",
      turns: 3,
    });
  });

  it("without its result, sums the streamed messages once per id (one event per content block)", () => {
    const lines = fixture("claude-stream-sample.jsonl").filter(
      (l) => !l.includes('"type":"result"'),
    );
    const t = feed(claudeParser(), lines).telemetry(1);
    // Two events each for the first two messages: counted once. Output is message_start's 1.
    expect(t.usage).toEqual({
      inputTokens: 3 + 5 + 4,
      outputTokens: 3,
      cacheCreationTokens: 12000 + 300 + 250,
      cacheReadTokens: 0 + 12000 + 12300,
    });
    expect(t).toMatchObject({ result: "error", errorClass: "crash", costEstimated: true });
    expect(t.errorMessage).toBe("claude exited with code 1 before its result");
    // Estimated from the price table: the same rates as Claude's own figure, minus the output.
    expect(t.costUsd).toBeCloseTo((12 * 5 + 3 * 25 + 12550 * 6.25 + 24300 * 0.5) / 1e6, 10);
  });

  it("several prompts: cumulative totals from the last result, not a sum of per-prompt usage", () => {
    expect(parse("claude-multiprompt-stream.jsonl")).toEqual({
      agentSessionId: "06c92974-ae8d-4e14-a165-bf12378484db",
      model: "claude-opus-4-8[1m]",
      usage: { inputTokens: 57169, outputTokens: 59, cacheCreationTokens: 0, cacheReadTokens: 0 },
      contextTokens: 19108,
      contextWindow: 1_000_000,
      costUsd: 0.28732,
      costEstimated: false,
      result: "success",
      turns: 3,
    });
  });

  it("a compaction resets the context to what it left", () => {
    expect(parse("claude-compact-stream.jsonl")).toEqual({
      agentSessionId: "282a34ea-2682-48f2-a1e1-e22704843e9a",
      model: "claude-opus-4-8",
      usage: { inputTokens: 20806, outputTokens: 40, cacheCreationTokens: 0, cacheReadTokens: 0 },
      contextTokens: 650,
      contextWindow: 200_000,
      costUsd: 0.10503000000000001,
      costEstimated: false,
      result: "success",
      turns: 0,
    });
  });

  it("hooks and stop-hook feedback do not disturb the figures", () => {
    expect(parse("claude-hook-control-stream.jsonl")).toMatchObject({
      agentSessionId: "24e7158c-d63f-4bbb-b0f1-eb860fea6592",
      usage: { inputTokens: 57224, outputTokens: 62, cacheCreationTokens: 0, cacheReadTokens: 0 },
      contextTokens: 19144,
      costUsd: 0.28767,
      result: "success",
      turns: 3,
    });
  });

  it("max turns", () => {
    expect(parse("claude-maxturns.jsonl", 1)).toEqual({
      agentSessionId: "090b02dd-5f81-40b4-955f-a2c7bb2823d3",
      model: "claude-opus-4-8[1m]",
      usage: { inputTokens: 20, outputTokens: 40, cacheCreationTokens: 200, cacheReadTokens: 1000 },
      contextTokens: 10 + 100 + 1000,
      contextWindow: 1_000_000,
      costUsd: 0.00285,
      costEstimated: false,
      result: "error",
      errorClass: "max_turns",
      errorMessage: "reached the maximum number of turns (3)",
      turns: 3,
    });
  });

  it("a 429 is a rate limit; the synthetic error message sets no context", () => {
    const t = parse("claude-429.jsonl", 1);
    expect(t).toMatchObject({
      agentSessionId: "c633ef0f-73db-41d0-9803-74df80a01511",
      result: "error",
      errorClass: "rate_limit",
      errorMessage:
        "API Error: Request rejected (429) · Number of request tokens has exceeded your per-minute rate limit",
      costUsd: 0,
      costEstimated: false,
    });
    expect(t.contextTokens).toBeUndefined();
    expect(t.usage).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      cacheCreationTokens: 0,
      cacheReadTokens: 0,
    });
  });

  it("529 overloaded and 500 are API errors", () => {
    expect(parse("claude-529.jsonl", 1)).toMatchObject({
      result: "error",
      errorClass: "api_error",
      errorMessage: expect.stringMatching(/^API Error: 529 Overloaded/) as unknown,
    });
    expect(parse("claude-500.jsonl", 1)).toMatchObject({
      result: "error",
      errorClass: "api_error",
    });
  });
});

describe("claude error classes from synthetic lines", () => {
  const init = line({
    type: "system",
    subtype: "init",
    session_id: "s",
    model: "claude-sonnet-4-5",
  });
  const synthetic = (error: string, text: string) =>
    line({
      type: "assistant",
      message: { id: "x", model: "<synthetic>", content: [{ type: "text", text }], usage: {} },
      parent_tool_use_id: null,
      error,
    });
  const failed = (status: number | null, text: string) =>
    line({
      type: "result",
      subtype: "success",
      is_error: true,
      api_error_status: status,
      result: text,
      num_turns: 1,
      total_cost_usd: 0,
      usage: {},
      modelUsage: {},
    });
  const run = (lines: string[], exit: number | null = 1) =>
    feed(claudeParser(), lines).telemetry(exit);

  it("a subscription limit is a usage limit, not a rate limit", () => {
    const text = "You've hit your usage limit · resets 3pm (Europe/Paris)";
    expect(run([init, synthetic("rate_limit", text), failed(429, text)]).errorClass).toBe(
      "usage_limit",
    );
  });

  it("Claude's 'not your usage limit' wording stays a rate limit", () => {
    const text =
      "API Error: Server is temporarily limiting requests (not your usage limit) · slow down";
    expect(run([init, synthetic("rate_limit", text), failed(429, text)]).errorClass).toBe(
      "rate_limit",
    );
  });

  it("a billing error (credit balance too low) is a usage limit", () => {
    const text = "Credit balance is too low";
    expect(run([init, synthetic("billing_error", text), failed(400, text)]).errorClass).toBe(
      "usage_limit",
    );
  });

  it("529 overloaded is an API error", () => {
    const text = "API Error: 529 Overloaded. This is a server-side issue";
    expect(run([init, synthetic("server_error", text), failed(529, text)])).toMatchObject({
      result: "error",
      errorClass: "api_error",
      errorMessage: text,
    });
  });

  it("error_max_turns", () => {
    const maxTurns = line({
      type: "result",
      subtype: "error_max_turns",
      is_error: true,
      num_turns: 4,
    });
    expect(run([init, maxTurns])).toMatchObject({ errorClass: "max_turns", turns: 4 });
  });

  it("an exit without a result is a crash, killed or not", () => {
    expect(run([init], 1)).toMatchObject({ result: "error", errorClass: "crash" });
    expect(run([init], null).errorMessage).toBe("claude was killed before its result");
    expect(run([], 0)).toMatchObject({ result: "error", errorClass: "crash" });
  });

  it("dying in the middle of a later prompt is a crash, though an earlier prompt succeeded", () => {
    const lines = fixture("claude-multiprompt-stream.jsonl");
    const cut = lines.findLastIndex((l) => l.includes('"type":"result"'));
    const t = run(lines.slice(0, cut), 1);
    expect(t).toMatchObject({ result: "error", errorClass: "crash", costEstimated: true });
    expect(t.errorMessage).toBe("claude exited with code 1 in the middle of a prompt");
    // The first prompt's totals plus the second prompt's streamed message.
    expect(t.usage.inputTokens).toBe(38061 + 19108);
  });

  it("a subagent's messages count toward usage but not toward the main context", () => {
    const message = (id: string, parent: string | null, input: number) =>
      line({
        type: "assistant",
        parent_tool_use_id: parent,
        message: {
          id,
          model: "claude-sonnet-4-5",
          content: [{ type: "text", text: "." }],
          usage: {
            input_tokens: input,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output_tokens: 1,
          },
        },
      });
    const t = run([init, message("m1", null, 5000), message("m2", "toolu_1", 90000)], 1);
    expect(t.contextTokens).toBe(5000);
    expect(t.usage.inputTokens).toBe(95000);
  });

  it("ignores plain text and cut lines", () => {
    const t = run([init, "some stderr text", '{"type":"assistant","message":{"id"', ""], 1);
    expect(t).toMatchObject({
      agentSessionId: "s",
      model: "claude-sonnet-4-5",
      errorClass: "crash",
    });
  });
});
