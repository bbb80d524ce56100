/** Durations as plans write them, and as they round-trip. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_DURATION_MS } from "../../../src/core/plan/duration.ts";
import { formatDuration, parseDuration } from "../../../src/core/plan/index.ts";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["2h", 7_200_000],
    ["1h30m", 5_400_000],
    ["1d", 86_400_000],
    [" 45m ", 2_700_000],
    ["0s", 0],
  ])("%s → %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "5", "5 minutes", "1.5h", "m", "10x", "-5m", "1h 30m"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it("rejects absurd lengths instead of overflowing into Infinity, and takes a year", () => {
    expect(parseDuration("9".repeat(400) + "d")).toBeUndefined();
    expect(parseDuration("366d")).toBeUndefined();
    expect(parseDuration("365d")).toBe(MAX_DURATION_MS);
    expect(parseDuration("30d")).toBe(30 * 86_400_000);
  });

  it("round-trips through formatDuration", () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 * 86_400_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});
