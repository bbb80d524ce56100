/**
 * Prices used when a CLI reports no cost (Codex never does; opencode reports 0 for models it
 * has no price for; Claude only in its final `result`). Estimates are marked as such.
 */
import type { Usage } from "./types.ts";

/** USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

/** Keyed by model id as the CLIs name them, without provider prefix or `[1m]` suffix. */
export type PriceTable = Record<string, ModelPrice>;

/**
 * Defaults for the models Flux meets in practice. `claude-opus-4-8` is the model of the
 * reference samples: its `total_cost_usd` there (0.0936475 for 12 in, 12550 cache write,
 * 24300 cache read, 120 out) is exactly these rates, which the tests pin.
 */
export const DEFAULT_PRICES: PriceTable = {
  "claude-opus-4-8": { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  "claude-opus-4-5": { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  "claude-opus-4-1": { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 },
  "claude-sonnet-4-5": { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  "claude-sonnet-4": { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  "claude-haiku-4-5": { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
  "gpt-5": { input: 1.25, output: 10, cacheWrite: 0, cacheRead: 0.125 },
  "gpt-5-codex": { input: 1.25, output: 10, cacheWrite: 0, cacheRead: 0.125 },
  "gpt-5.1-codex": { input: 1.25, output: 10, cacheWrite: 0, cacheRead: 0.125 },
  "gpt-5-mini": { input: 0.25, output: 2, cacheWrite: 0, cacheRead: 0.025 },
};

/**
 * The price of a model, tolerating the spellings the CLIs use: `anthropic/claude-sonnet-4-5`
 * (opencode), `claude-opus-4-8[1m]` (Claude's 1M-context alias), `claude-sonnet-4-5-20250929`.
 */
export function priceOf(model: string, table: PriceTable = DEFAULT_PRICES): ModelPrice | undefined {
  const candidates = [model];
  let name = model.replace(/\[[^\]]*\]$/, "");
  candidates.push(name);
  name = name.slice(name.lastIndexOf("/") + 1);
  candidates.push(name);
  candidates.push(name.replace(/-\d{8}$/, ""));
  for (const candidate of candidates) {
    const price = table[candidate];
    if (price !== undefined) return price;
  }
  return undefined;
}

/** USD for `usage` on `model`, or undefined when the table has no price for it. */
export function estimateCost(
  model: string | undefined,
  usage: Usage,
  table: PriceTable = DEFAULT_PRICES,
): number | undefined {
  if (model === undefined) return undefined;
  const price = priceOf(model, table);
  if (price === undefined) return undefined;
  const micro =
    usage.inputTokens * price.input +
    usage.outputTokens * price.output +
    usage.cacheCreationTokens * price.cacheWrite +
    usage.cacheReadTokens * price.cacheRead;
  return micro / 1_000_000;
}
