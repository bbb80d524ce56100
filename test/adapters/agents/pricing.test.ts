/** The price table and cost estimates used when a CLI reports no cost. */
import { describe, expect, it } from "vitest";
import { DEFAULT_PRICES, estimateCost, priceOf } from "../../../src/adapters/agents/index.ts";

describe("pricing", () => {
  it("reproduces Claude's own total_cost_usd of the reference run", () => {
    const usage = {
      inputTokens: 12,
      outputTokens: 120,
      cacheCreationTokens: 12550,
      cacheReadTokens: 24300,
    };
    expect(estimateCost("claude-opus-4-8[1m]", usage)).toBeCloseTo(0.0936475, 12);
    // The multi-prompt run: 57169 in, 59 out, no cache.
    const multi = {
      inputTokens: 57169,
      outputTokens: 59,
      cacheCreationTokens: 0,
      cacheReadTokens: 0,
    };
    expect(estimateCost("claude-opus-4-8", multi)).toBeCloseTo(0.28732, 12);
  });

  it("finds a model under the spellings the CLIs use", () => {
    const sonnet = DEFAULT_PRICES["claude-sonnet-4-5"];
    expect(priceOf("anthropic/claude-sonnet-4-5")).toBe(sonnet);
    expect(priceOf("claude-sonnet-4-5-20250929")).toBe(sonnet);
    expect(priceOf("claude-sonnet-4-5[1m]")).toBe(sonnet);
    expect(priceOf("openai/gpt-5-codex")).toBe(DEFAULT_PRICES["gpt-5-codex"]);
  });

  it("no price, no estimate: unknown models and a missing model", () => {
    const usage = { inputTokens: 1, outputTokens: 1, cacheCreationTokens: 0, cacheReadTokens: 0 };
    expect(estimateCost("fake-model", usage)).toBeUndefined();
    expect(estimateCost(undefined, usage)).toBeUndefined();
  });

  it("takes a table of the user's own", () => {
    const table = { mine: { input: 1, output: 2, cacheWrite: 3, cacheRead: 4 } };
    const usage = {
      inputTokens: 1e6,
      outputTokens: 1e6,
      cacheCreationTokens: 1e6,
      cacheReadTokens: 1e6,
    };
    expect(estimateCost("mine", usage, table)).toBe(10);
    expect(estimateCost("claude-opus-4-8", usage, table)).toBeUndefined();
  });
});
