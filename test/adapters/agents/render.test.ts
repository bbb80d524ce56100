/** What a headless session's pane shows for each CLI's raw events. */
import { describe, expect, it } from "vitest";
import {
  agentAdapter,
  renderClaudeLine,
  toolLine,
  unwrapShell,
} from "../../../src/adapters/agents/index.ts";
import type { OutputParser } from "../../../src/adapters/agents/index.ts";
import { fixture, line } from "./helpers.ts";

const pane = (parser: OutputParser, lines: string[]): string[] =>
  lines.flatMap((l) => parser.render(l)?.split("\n") ?? []);

describe("claude", () => {
  it("shows text, tool calls and the result; hides hooks, tool output and duplicates", () => {
    expect(pane(agentAdapter("claude").parser(), fixture("claude-stream-sample.jsonl"))).toEqual([
      "[claude] session 263de562-be27-41a9-8391-195c5c3958b1 · claude-opus-4-8[1m] · bypassPermissions",
      "I'll create the file first.",
      "✎ Write: /tmp/example-claude.kq1NvF/repo/hello.txt",
      "Now I'll run a command.",
      "▶ Bash: cat hello.txt && echo BASH_RAN > bash-proof.txt && git status --short",
      "All done: hello.txt written and command executed.",
      "✓ done · 3 turns · $0.0936",
    ]);
  });

  it("shows denied tools, compaction, max turns and API errors (once)", () => {
    const claude = () => agentAdapter("claude").parser();
    expect(pane(claude(), fixture("claude-hook-control-stream.jsonl"))).toContain(
      "  ✗ orchestrator policy: no rm -rf",
    );
    expect(pane(claude(), fixture("claude-compact-stream.jsonl"))).toContain(
      "⋯ context compacted (16215 → 650 tokens)",
    );
    expect(pane(claude(), fixture("claude-maxturns.jsonl")).at(-1)).toBe(
      "✗ stopped: maximum turns reached · 3 turns · $0.0029",
    );
    expect(pane(claude(), fixture("claude-429.jsonl")).slice(1)).toEqual([
      "✗ API Error: Request rejected (429) · Number of request tokens has exceeded your per-minute rate limit",
    ]);
  });

  it("names tools by what they act on; subagents are indented; plain text passes through", () => {
    expect(toolLine("Edit", { file_path: "/a/b.ts", old_string: "x" })).toBe("✎ Edit: /a/b.ts");
    expect(toolLine("Grep", { pattern: "TODO" })).toBe("▶ Grep: TODO");
    expect(toolLine("mcp__flux__complete", {})).toBe("▶ mcp flux/complete");
    expect(toolLine("Bash", { command: "npm test\n&& more" })).toBe("▶ Bash: npm test");
    const sub = line({
      type: "assistant",
      parent_tool_use_id: "toolu_1",
      message: { id: "m", content: [{ type: "text", text: "sub work" }] },
    });
    expect(renderClaudeLine(sub)).toBe("  │ sub work");
    expect(renderClaudeLine("plain stderr text  ")).toBe("plain stderr text");
    expect(renderClaudeLine("   ")).toBeUndefined();
    expect(renderClaudeLine(line({ type: "stream_event", event: {} }))).toBeUndefined();
  });
});

describe("codex", () => {
  it("shows messages, commands without the login-shell wrapper, warnings and the turn", () => {
    expect(pane(agentAdapter("codex").parser(), fixture("codex-exec-sample.jsonl"))).toEqual([
      "[codex] thread 01a20203-cdae-73b2-9cbd-e52c27d39176",
      "⚠ Model metadata for `fake-model` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.",
      "I will create the file with a shell command.",
      "▶ printf 'hello from fake codex model\\\\n' > hello.txt && echo CODEX_SHELL_RAN > shell-proof.txt && ls",
      "Done: hello.txt and shell-proof.txt were written.",
      "✓ turn done · thread so far: 18400 in (8960 cached), 55 out",
    ]);
  });

  it("says a failure once", () => {
    expect(pane(agentAdapter("codex").parser(), fixture("codex-429.jsonl")).slice(2)).toEqual([
      "✗ exceeded retry limit, last status: 429 Too Many Requests",
      "✗ turn failed",
    ]);
  });

  it("failed commands, file changes, MCP calls", () => {
    const parser = agentAdapter("codex").parser();
    const render = (l: string) => parser.render(l);
    const item = (type: string, item: Record<string, unknown>) => line({ type, item });
    expect(
      render(
        item("item.completed", {
          type: "command_execution",
          exit_code: 2,
          aggregated_output: "boom\nmore",
        }),
      ),
    ).toBe("  ✗ exit 2: boom");
    expect(
      render(item("item.completed", { type: "command_execution", exit_code: 0 })),
    ).toBeUndefined();
    expect(
      render(
        item("item.completed", {
          type: "file_change",
          changes: [{ path: "a.ts", kind: "update" }],
        }),
      ),
    ).toBe("✎ update: a.ts");
    expect(
      render(item("item.started", { type: "mcp_tool_call", server: "flux", tool: "complete" })),
    ).toBe("▶ mcp flux/complete");
    expect(unwrapShell(`/bin/bash -lc "ls -la"`)).toBe("ls -la");
    expect(unwrapShell("git status")).toBe("git status");
  });
});

describe("opencode", () => {
  it("names the session once, then text, tools and the end", () => {
    expect(pane(agentAdapter("opencode").parser(), fixture("opencode-run-sample.jsonl"))).toEqual([
      "[opencode] session ses_dfdfc14ebffe6exKS4mbzWGPLX",
      "Writing the file.",
      "✎ write: /tmp/example-opencode.mBx404/repo/hello.txt",
      "▶ bash: cat hello.txt && echo OPENCODE_BASH_RAN > bash-proof.txt",
      "Done: wrote hello.txt and ran bash.",
      "✓ done · context 8510 tokens",
    ]);
  });

  it("shows rejected tools and errors", () => {
    const parser = agentAdapter("opencode").parser();
    const render = (l: string) => parser.render(l);
    const rejected = line({
      type: "tool_use",
      part: {
        tool: "bash",
        state: {
          status: "error",
          input: { command: "rm -rf x" },
          error: "The user rejected permission to use this specific tool call.",
        },
      },
    });
    expect(render(rejected)).toBe(
      "▶ bash: rm -rf x\n  ✗ The user rejected permission to use this specific tool call.",
    );
    expect(pane(agentAdapter("opencode").parser(), fixture("opencode-429.jsonl"))).toEqual([
      "[opencode] session ses_dfc9c1b4affexfhPtOyk0jdVfU",
      "✗ APIError: Rate limit reached for requests",
    ]);
  });
});
