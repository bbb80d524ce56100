/** `opencode run --format json` → session telemetry, over real outputs and synthetic errors. */
import { describe, expect, it } from "vitest";
import { opencodeParser } from "../../../src/adapters/agents/index.ts";
import { feed, fixture, line } from "./helpers.ts";

const parse = (name: string, exitCode: number | null = 0, model?: string) =>
  feed(opencodeParser(undefined, { model }), fixture(name)).telemetry(exitCode);

describe("opencode telemetry from real runs", () => {
  it("a plain run: steps summed, context of the last step, reported cost kept", () => {
    expect(parse("opencode-run-sample.jsonl", 0, "fake/fake-model")).toEqual({
      agentSessionId: "ses_dfdfc14ebffe6exKS4mbzWGPLX",
      model: "fake/fake-model",
      usage: {
        inputTokens: 8000 + 300 + 200,
        outputTokens: 30 + 25 + 10,
        cacheCreationTokens: 0,
        cacheReadTokens: 0 + 8000 + 8300,
      },
      contextTokens: 200 + 8300 + 0 + 10,
      costUsd: 0,
      costEstimated: false,
      result: "success",
      turns: 3,
    });
  });

  it("estimates the cost when opencode reports 0 for a model the table knows", () => {
    const t = parse("opencode-run-sample.jsonl", 0, "anthropic/claude-sonnet-4-5");
    expect(t.costEstimated).toBe(true);
    expect(t.costUsd).toBeCloseTo((8500 * 3 + 65 * 15 + 16300 * 0.3) / 1e6, 12);
  });

  it("a follow-up run and an MCP run", () => {
    expect(parse("opencode-followup-run.jsonl")).toMatchObject({
      agentSessionId: "ses_dfdfbe541ffeSLxMF6f4rrZYsT",
      usage: { inputTokens: 7566, outputTokens: 10, cacheCreationTokens: 0, cacheReadTokens: 0 },
      contextTokens: 7576,
      result: "success",
      turns: 1,
    });
    expect(parse("opencode-mcp-run.jsonl")).toMatchObject({
      usage: { inputTokens: 7100, outputTokens: 25, cacheCreationTokens: 0, cacheReadTokens: 7000 },
      contextTokens: 100 + 7000 + 5,
      turns: 2,
    });
  });

  it("a 429 after opencode's own retries is a rate limit; a 400 an API error", () => {
    expect(parse("opencode-429.jsonl", 1)).toMatchObject({
      agentSessionId: "ses_dfc9c1b4affexfhPtOyk0jdVfU",
      result: "error",
      errorClass: "rate_limit",
      errorMessage: "APIError: Rate limit reached for requests",
      turns: 0,
    });
    expect(parse("opencode-400.jsonl", 1)).toMatchObject({
      result: "error",
      errorClass: "api_error",
      errorMessage: "APIError: bad request",
    });
  });
});

describe("opencode verdicts from synthetic lines", () => {
  const error = (name: string, data: Record<string, unknown>) =>
    line({ type: "error", sessionID: "ses_1", error: { name, data } });
  const run = (lines: string[], exit: number | null = 1) =>
    feed(opencodeParser(), lines).telemetry(exit);

  it("opencode's plan limits and quota errors are usage limits", () => {
    const free = error("APIError", {
      message: "Free usage exceeded",
      statusCode: 429,
      responseBody: '{"type":"error","error":{"type":"FreeUsageLimitError"}}',
    });
    expect(run([free]).errorClass).toBe("usage_limit");
    const quota = error("APIError", {
      message: "You exceeded your current quota",
      statusCode: 429,
    });
    expect(run([quota]).errorClass).toBe("usage_limit");
  });

  it("overloaded and context overflow are API errors; opencode's own failures crashes", () => {
    expect(run([error("APIError", { message: "Overloaded", statusCode: 529 })]).errorClass).toBe(
      "api_error",
    );
    expect(run([error("ContextOverflowError", { message: "too long" })]).errorClass).toBe(
      "api_error",
    );
    expect(run([error("UnknownError", { message: "boom" })])).toMatchObject({
      errorClass: "crash",
      errorMessage: "UnknownError: boom",
    });
  });

  it("an exit without an error event: success on 0, a crash otherwise", () => {
    const step = line({
      type: "step_finish",
      sessionID: "ses_1",
      part: {
        tokens: { input: 10, output: 2, reasoning: 3, cache: { write: 4, read: 5 } },
        cost: 0.5,
      },
    });
    const ok = run([step], 0);
    expect(ok).toMatchObject({
      result: "success",
      costUsd: 0.5,
      costEstimated: false,
      contextTokens: 10 + 5 + 4 + 5,
    });
    // Reasoning is billed as output.
    expect(ok.usage).toEqual({
      inputTokens: 10,
      outputTokens: 5,
      cacheCreationTokens: 4,
      cacheReadTokens: 5,
    });
    expect(run([step], 1)).toMatchObject({
      result: "error",
      errorClass: "crash",
      errorMessage: "opencode exited with code 1",
    });
    expect(run([step], null).errorMessage).toBe("opencode was killed");
  });
});
