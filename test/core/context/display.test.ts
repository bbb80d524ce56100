/** How a session's context figure reads: the health from a row, and its wording. */
import { describe, expect, it } from "vitest";
import {
  LEVEL_MEANING,
  NO_CONTEXT,
  contextText,
  sessionContext,
} from "../../../src/core/context/display.ts";
import type { SessionContextFields } from "../../../src/core/context/display.ts";
import { CONTEXT_LEVELS, contextPolicy } from "../../../src/core/context/levels.ts";

const row = (over: Partial<SessionContextFields>): SessionContextFields => ({
  contextTokens: null,
  contextWindow: null,
  contextLevel: null,
  model: null,
  ...over,
});

describe("sessionContext", () => {
  const policy = contextPolicy();

  it("is null before the first figure", () => {
    expect(sessionContext(row({}), policy)).toBeNull();
    expect(sessionContext(row({ contextWindow: 200_000, contextLevel: "green" }), policy)).toBe(
      null,
    );
  });

  it("takes the recorded window and level", () => {
    const health = sessionContext(
      row({ contextTokens: 90_000, contextWindow: 100_000, contextLevel: "red" }),
      policy,
    );
    // The engine decided red under the stage's thresholds: it is shown as recorded.
    expect(health).toEqual({ tokens: 90_000, window: 100_000, percent: 90, level: "red" });
  });

  it("without a recorded window: the settings', else the model's, and the level from the thresholds", () => {
    expect(sessionContext(row({ contextTokens: 130_000 }), policy)).toEqual({
      tokens: 130_000,
      window: 200_000,
      percent: 65,
      level: "yellow",
    });
    expect(sessionContext(row({ contextTokens: 130_000, model: "opus[1m]" }), policy)).toEqual({
      tokens: 130_000,
      window: 1_000_000,
      percent: 13,
      level: "green",
    });
    const stage = contextPolicy({ window: 150_000 }, { warn: 50, handoff: 80, hard: 95 });
    expect(sessionContext(row({ contextTokens: 130_000, model: "opus[1m]" }), stage)).toEqual({
      tokens: 130_000,
      window: 150_000,
      percent: 86,
      level: "red",
    });
  });
});

describe("contextText", () => {
  const at = (percent: number, level: (typeof CONTEXT_LEVELS)[number]) => ({
    tokens: percent * 2_000,
    window: 200_000,
    percent,
    level,
  });

  it("is the percent, past the limit with the limit, and a dash without a figure", () => {
    expect(contextText(at(45, "green"), 90)).toBe("45%");
    expect(contextText(at(65, "yellow"), 90)).toBe("65%");
    expect(contextText(at(80, "red"), 90)).toBe("80%");
    expect(contextText(at(92, "limit"), 90)).toBe("92% over the 90% limit");
    expect(contextText(null, 90)).toBe(NO_CONTEXT);
    expect(NO_CONTEXT).toBe("—");
  });

  it("a limit recorded under thresholds raised since names no wrong number", () => {
    expect(contextText(at(92, "limit"), 95)).toBe("92% at the hard limit");
  });

  it("every level has a meaning", () => {
    expect(Object.keys(LEVEL_MEANING)).toEqual([...CONTEXT_LEVELS]);
  });
});
