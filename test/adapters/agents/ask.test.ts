import { describe, expect, it } from "vitest";
import { answerReader, askArgv, askEnv } from "../../../src/adapters/agents/ask.ts";

describe("askArgv: a read-only question, continued by conversation id", () => {
  it("claude: plan mode, --resume", () => {
    expect(askArgv("claude")).toEqual([
      "claude",
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      "plan",
    ]);
    expect(askArgv("claude", { resume: "abc", model: "claude-sonnet-4-5" }).slice(7)).toEqual([
      "--model",
      "claude-sonnet-4-5",
      "--resume",
      "abc",
    ]);
  });

  it("codex: the read-only sandbox, exec resume <thread>, the prompt from stdin", () => {
    const common = ["--json", "--skip-git-repo-check", "-c", 'sandbox_mode="read-only"'];
    expect(askArgv("codex")).toEqual(["codex", "exec", ...common, "-"]);
    expect(askArgv("codex", { resume: "t1", model: "gpt-5" })).toEqual([
      "codex",
      "exec",
      "resume",
      ...common,
      "--model",
      "gpt-5",
      "t1",
      "-",
    ]);
  });

  it("opencode: the plan agent, --session", () => {
    expect(askArgv("opencode", { resume: "ses_1" })).toEqual([
      "opencode",
      "run",
      "--format",
      "json",
      "--agent",
      "plan",
      "--session",
      "ses_1",
    ]);
  });

  it("opencode's edits, shell and fetches are denied over the user's own config", () => {
    const env = askEnv("opencode", { OPENCODE_CONFIG_CONTENT: '{"model":"x/y"}' });
    expect(JSON.parse(env.OPENCODE_CONFIG_CONTENT ?? "")).toEqual({
      model: "x/y",
      permission: { edit: "deny", bash: "deny", webfetch: "deny" },
    });
    expect(() => askEnv("opencode", { OPENCODE_CONFIG_CONTENT: "[1]" })).toThrow(
      expect.objectContaining({ code: "AGENT_CONFIG_INVALID" }) as Error,
    );
  });
});

describe("answerReader", () => {
  const lines = (...events: unknown[]) => events.map((e) => JSON.stringify(e));

  it("claude: the last result, or the plan of an ExitPlanMode call when the result has none", () => {
    const reader = answerReader("claude");
    for (const line of lines(
      {
        type: "assistant",
        message: {
          content: [
            {
              type: "tool_use",
              name: "ExitPlanMode",
              input: { plan: "# P\n<!-- FLUX METADATA -->" },
            },
          ],
        },
      },
      { type: "result", subtype: "success", result: "I presented the plan." },
    ))
      reader.push(line);
    expect(reader.text()).toBe("# P\n<!-- FLUX METADATA -->");
    const plain = answerReader("claude");
    plain.push(JSON.stringify({ type: "result", result: "# Q\n<!-- FLUX METADATA -->" }));
    expect(plain.text()).toBe("# Q\n<!-- FLUX METADATA -->");
  });

  it("codex: the last agent message", () => {
    const reader = answerReader("codex");
    for (const line of lines(
      { type: "item.completed", item: { type: "agent_message", text: "Looking around." } },
      { type: "item.completed", item: { type: "command_execution", command: "ls" } },
      { type: "item.completed", item: { type: "agent_message", text: "# Plan" } },
    ))
      reader.push(line);
    expect(reader.text()).toBe("# Plan");
  });

  it("opencode: the text parts of the last message", () => {
    const reader = answerReader("opencode");
    for (const line of lines(
      { type: "text", part: { id: "p1", messageID: "m1", text: "Looking." } },
      { type: "text", part: { id: "p2", messageID: "m2", text: "# Plan" } },
      { type: "text", part: { id: "p3", messageID: "m2", text: "more" } },
    ))
      reader.push(line);
    expect(reader.text()).toBe("# Plan\nmore");
  });
});
