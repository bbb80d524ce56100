import { describe, expect, it } from "vitest";
import { START_WINDOW_MS, classifyEnd } from "../../src/core/failure.ts";
import type { SessionEnd } from "../../src/core/failure.ts";

const end = (over: Partial<SessionEnd> = {}): SessionEnd => ({
  agent: "claude",
  status: "exited",
  code: 1,
  signal: null,
  tokens: 5_000,
  durationMs: 60_000,
  atContextLimit: false,
  ...over,
});

describe("classifyEnd", () => {
  it("a clean exit is no failure", () => {
    expect(classifyEnd(end({ code: 0 }))).toBeUndefined();
  });
  it("takes the agent's own class for limits and API errors, even on exit 0", () => {
    for (const errorClass of ["rate_limit", "usage_limit", "api_error"] as const)
      expect(classifyEnd(end({ errorClass, code: 0 }))).toBe(errorClass);
  });
  it("a session ended at its context limit is a context failure", () => {
    expect(classifyEnd(end({ atContextLimit: true, errorClass: "api_error" }))).toBe("context");
  });
  it("an agent CLI that ends within seconds without a model call could not start", () => {
    expect(classifyEnd(end({ tokens: 0, durationMs: 3_000 }))).toBe("infrastructure");
    expect(classifyEnd(end({ tokens: 0, durationMs: START_WINDOW_MS }))).toBe("crash");
    expect(classifyEnd(end({ tokens: 10, durationMs: 3_000 }))).toBe("crash");
    expect(classifyEnd(end({ spawnError: true, tokens: 9, durationMs: 99_000 }))).toBe(
      "infrastructure",
    );
    // A command agent is a script: a quick failure is its own.
    expect(classifyEnd(end({ agent: "command", tokens: 0, durationMs: 100 }))).toBe("crash");
  });
  it("a lost session or a signal is a crash; max_turns too", () => {
    expect(classifyEnd(end({ status: "lost", code: null }))).toBe("crash");
    expect(classifyEnd(end({ code: null, signal: "SIGKILL" }))).toBe("crash");
    expect(classifyEnd(end({ errorClass: "max_turns" }))).toBe("crash");
  });
  it("an end with nothing to go on is unknown", () => {
    expect(classifyEnd(end({ code: null, signal: null }))).toBe("unknown");
  });
});
