/** How a script turn becomes each CLI's tool call, and the default usage estimate. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jsonInstance } from "../../../src/adapters/model/json-instance.ts";
import { messageFor, type Dialect } from "../../../src/adapters/model/reply.ts";
import type { Turn } from "../../../src/adapters/model/script.ts";
import { tempDir } from "../../kit/temp-repo.ts";

const ctx = { cwd: "/repo", tools: ["exec_command"], requestBytes: 4000 };
const call = (turn: Turn, dialect: Dialect, tools = ctx.tools) =>
  messageFor(turn, dialect, { ...ctx, tools }).blocks.find((b) => b.type === "call");

describe("messageFor", () => {
  it("maps shell to Bash, exec_command and bash", () => {
    expect(call({ shell: "ls" }, "anthropic")).toMatchObject({
      name: "Bash",
      input: { command: "ls", description: "Run scripted command" },
      id: expect.stringMatching(/^toolu_/) as string,
    });
    expect(call({ shell: "ls" }, "responses")).toMatchObject({
      name: "exec_command",
      input: { cmd: "ls" },
    });
    expect(call({ shell: "ls" }, "chat")).toMatchObject({ name: "bash", input: { command: "ls" } });
  });

  it("uses the shell tool a Codex request offers when exec_command is missing", () => {
    expect(call({ shell: "ls" }, "responses", ["shell_command"])).toMatchObject({
      name: "shell_command",
      input: { command: "ls" },
    });
    expect(call({ shell: "ls" }, "responses", ["shell"])).toMatchObject({
      name: "shell",
      input: { command: ["bash", "-lc", "ls"] },
    });
  });

  it("maps write to Write and write with absolute paths", () => {
    const write = { write: { path: "src/a.txt", content: "x" } };
    expect(call(write, "anthropic")).toMatchObject({
      name: "Write",
      input: { file_path: "/repo/src/a.txt", content: "x" },
    });
    expect(call(write, "chat")).toMatchObject({
      name: "write",
      input: { filePath: "/repo/src/a.txt", content: "x" },
    });
  });

  it("writes exact bytes through Codex's shell", () => {
    const dir = tempDir();
    try {
      const content = "it's $HOME `x` \\n\nlast line, no newline";
      const got = call({ write: { path: "new dir/f.txt", content } }, "responses", []);
      const input = got?.type === "call" ? (got.input as { cmd: string }) : { cmd: "" };
      execFileSync("bash", ["-c", input.cmd.replaceAll("/repo", dir)]);
      expect(fs.readFileSync(path.join(dir, "new dir/f.txt"), "utf8")).toBe(content);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes tool_use through, with a Codex namespace", () => {
    const turn = { tool_use: { name: "report", input: { a: 1 }, namespace: "mcp__orch" } };
    expect(call(turn, "responses")).toMatchObject({
      name: "report",
      input: { a: 1 },
      namespace: "mcp__orch",
    });
  });

  it("says the text before the call", () => {
    const reply = messageFor({ text: "First.", shell: "ls" }, "anthropic", ctx);
    expect(reply.blocks.map((b) => b.type)).toEqual(["text", "call"]);
  });

  it("estimates usage from the sizes unless the script gives it", () => {
    expect(messageFor({ text: "hi" }, "chat", ctx).usage).toEqual({
      input_tokens: 1000,
      output_tokens: expect.any(Number) as number,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    const usage = { input_tokens: 3, cache_read_input_tokens: 9 };
    expect(messageFor({ text: "hi", usage }, "chat", ctx).usage).toMatchObject(usage);
  });
});

describe("jsonInstance", () => {
  it("builds a valid instance of the schemas side calls send", () => {
    const schema = {
      type: "object",
      properties: {
        title: { type: "string", maxLength: 10 },
        kind: { enum: ["a", "b"] },
        n: { type: "integer", minimum: 2 },
        tags: { type: "array", items: { type: "string" }, minItems: 1 },
        ok: { type: "boolean" },
        either: { anyOf: [{ type: "null" }, { type: "string" }] },
      },
      required: ["title"],
    };
    expect(jsonInstance(schema)).toEqual({
      title: "Scripted s",
      kind: "a",
      n: 2,
      tags: ["Fake tags"],
      ok: false,
      either: null,
    });
  });
});
