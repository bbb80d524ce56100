/** `codex exec --json` → session telemetry, and the rollout's context figure. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  codexHome,
  codexParser,
  codexRolloutContext,
  findCodexRollout,
} from "../../../src/adapters/agents/index.ts";
import { tempDir } from "../../kit/temp-repo.ts";
import { feed, fixture, line } from "./helpers.ts";

const parse = (name: string, exitCode: number | null = 0, model?: string) =>
  feed(codexParser(undefined, { model }), fixture(name)).telemetry(exitCode);

describe("codex telemetry from real streams", () => {
  it("a plain run: thread id, usage with cached input split out, no context from the stream", () => {
    expect(parse("codex-exec-sample.jsonl", 0, "fake-model")).toEqual({
      agentSessionId: "01a20203-cdae-73b2-9cbd-e52c27d39176",
      model: "fake-model",
      usage: {
        inputTokens: 18400 - 8960,
        outputTokens: 55,
        cacheCreationTokens: 0,
        cacheReadTokens: 8960,
      },
      // No price for fake-model: no cost rather than a wrong one.
      costEstimated: false,
      result: "success",
      turns: 1,
    });
  });

  it("estimates the cost from the stage's model", () => {
    const t = parse("codex-exec-sample.jsonl", 0, "gpt-5-codex");
    expect(t.costEstimated).toBe(true);
    expect(t.costUsd).toBeCloseTo((9440 * 1.25 + 55 * 10 + 8960 * 0.125) / 1e6, 12);
  });

  it("MCP calls and a resumed thread (whose usage is the thread's running total)", () => {
    expect(parse("codex-mcp-exec.jsonl")).toMatchObject({
      agentSessionId: "01a20203-d24c-7431-8446-916ece90cbfd",
      usage: {
        inputTokens: 10500,
        outputTokens: 48,
        cacheCreationTokens: 0,
        cacheReadTokens: 20300,
      },
      result: "success",
    });
    expect(parse("codex-resume-exec.jsonl")).toMatchObject({
      agentSessionId: "01a20203-d24c-7431-8446-916ece90cbfd",
      usage: {
        inputTokens: 41210 - 20300,
        outputTokens: 92,
        cacheCreationTokens: 0,
        cacheReadTokens: 20300,
      },
      result: "success",
    });
  });

  it("a 429 after Codex's retries is a rate limit", () => {
    expect(parse("codex-429.jsonl", 1)).toMatchObject({
      agentSessionId: "01a20352-9628-7a13-ba7a-f6aae591bdff",
      result: "error",
      errorClass: "rate_limit",
      errorMessage: "exceeded retry limit, last status: 429 Too Many Requests",
      turns: 1,
    });
  });

  it("a 500 is an API error", () => {
    expect(parse("codex-500.jsonl", 1)).toMatchObject({
      result: "error",
      errorClass: "api_error",
      errorMessage: "We’re currently experiencing high demand, which may cause temporary errors.",
    });
  });
});

describe("codex verdicts from synthetic lines", () => {
  const started = line({ type: "thread.started", thread_id: "t1" });
  const turn = (input: number) =>
    line({
      type: "turn.completed",
      usage: { input_tokens: input, cached_input_tokens: 0, output_tokens: 1 },
    });
  const run = (lines: string[], exit: number | null) => feed(codexParser(), lines).telemetry(exit);

  it("the usage-limit message", () => {
    const message =
      "You’ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro) or try again in 2 hours.";
    const failed = [
      started,
      line({ type: "error", message }),
      line({ type: "turn.failed", error: { message } }),
    ];
    expect(run(failed, 1)).toMatchObject({ errorClass: "usage_limit", errorMessage: message });
  });

  it("successive turn totals are not summed: the last one is the thread's", () => {
    expect(run([started, turn(100), turn(250)], 0).usage.inputTokens).toBe(250);
  });

  it("a warning item is not a failure; an error followed by a completed turn was retried", () => {
    const warning = line({
      type: "item.completed",
      item: { id: "i0", type: "error", message: "Model metadata not found" },
    });
    const retry = line({ type: "error", message: "Reconnecting... 1/5" });
    expect(run([started, warning, retry, turn(10)], 0)).toMatchObject({ result: "success" });
  });

  it("an exit without a completed turn is a crash; a bare error with a failing exit is classified", () => {
    expect(run([started, line({ type: "turn.started" })], 137)).toMatchObject({
      result: "error",
      errorClass: "crash",
      errorMessage: "codex exited with code 137 before its turn completed",
    });
    expect(run([started], null).errorMessage).toBe("codex was killed before its turn completed");
    expect(
      run([started, line({ type: "error", message: "429 Too Many Requests" })], 1),
    ).toMatchObject({
      errorClass: "rate_limit",
    });
  });
});

describe("codex rollout", () => {
  it("context = the last request's input (cached included) + output, with the window", () => {
    const text = fixture("codex-rollout-sample.jsonl").join("\n");
    expect(codexRolloutContext(text)).toEqual({
      contextTokens: 10410 + 44,
      contextWindow: 190_000,
      model: "fake-model",
      usage: {
        inputTokens: 41210 - 20300,
        outputTokens: 92,
        cacheCreationTokens: 0,
        cacheReadTokens: 20300,
      },
    });
    expect(codexRolloutContext('{"type":"session_meta","payload":{}}\n')).toBeUndefined();
  });

  it("finds a thread's rollout under $CODEX_HOME/sessions/YYYY/MM/DD", () => {
    const home = tempDir("flux-codex-home-");
    try {
      const thread = "01a20203-d24c-7431-8446-916ece90cbfd";
      const day = path.join(home, "sessions", "2026", "11", "22");
      fs.mkdirSync(day, { recursive: true });
      fs.mkdirSync(path.join(home, "sessions", "2026", "12"), { recursive: true });
      const file = path.join(day, `rollout-2026-11-22T06-48-54-${thread}.jsonl`);
      fs.writeFileSync(file, "");
      fs.writeFileSync(path.join(day, "rollout-2026-11-22T06-00-00-other.jsonl"), "");
      expect(findCodexRollout(home, thread)).toBe(file);
      expect(findCodexRollout(home, "nope")).toBeUndefined();
      expect(findCodexRollout(path.join(home, "missing"), thread)).toBeUndefined();
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it("CODEX_HOME, else ~/.codex", () => {
    expect(codexHome({ CODEX_HOME: "/c", HOME: "/h" })).toBe("/c");
    expect(codexHome({ HOME: "/h" })).toBe("/h/.codex");
    expect(codexHome({})).toBeUndefined();
  });
});
