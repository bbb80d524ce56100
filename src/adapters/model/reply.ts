/**
 * A turn of the script turned into one API-neutral answer: text and tool calls named the way
 * the requesting CLI names its tools. Each wire format (anthropic.ts, responses.ts, chat.ts)
 * only encodes this.
 *
 * How the actions map, per CLI:
 *   shell  Claude `Bash {command, description}`; Codex `exec_command {cmd}` (or `shell_command`
 *          / `shell` when that is what the request offers); opencode `bash {command}`.
 *   write  Claude `Write {file_path, content}`; opencode `write {filePath, content}`; Codex
 *          offers no file tool to an unknown model, so a shell call
 *          `mkdir -p DIR && printf '%s' CONTENT > PATH` (exact bytes, no trailing newline added).
 *   tool_use  passed through as named, on every API (Codex: with its `namespace` for MCP).
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { shellQuote } from "../../core/shell.ts";
import type { Turn, Usage } from "./script.ts";

export type Dialect = "anthropic" | "responses" | "chat";

export type Block =
  | { type: "text"; text: string }
  | {
      type: "call";
      id: string;
      name: string;
      input: Record<string, unknown>;
      namespace?: string | undefined;
    };

export type FullUsage = Required<Usage>;

export interface MessageReply {
  blocks: Block[];
  usage: FullUsage;
}

export interface ReplyContext {
  cwd: string | undefined;
  /** Names of the tools the request offers (Codex's shell tool differs between versions). */
  tools: readonly string[];
  /** Size of the request body, for the default usage estimate. */
  requestBytes: number;
}

export function newId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString("hex")}`;
}

/** The answer to a non-error turn. */
export function messageFor(turn: Turn, dialect: Dialect, ctx: ReplyContext): MessageReply {
  const blocks: Block[] = [];
  if (turn.text !== undefined && turn.text !== "") blocks.push({ type: "text", text: turn.text });
  const call = callFor(turn, dialect, ctx);
  if (call !== undefined) blocks.push({ type: "call", id: newId(callPrefix[dialect]), ...call });
  // A model always says something: an empty text turn still answers with one text block.
  if (blocks.length === 0) blocks.push({ type: "text", text: "" });
  return { blocks, usage: fullUsage(turn.usage, ctx.requestBytes, JSON.stringify(blocks).length) };
}

/** A text answer outside the script (titles, summaries, side calls). */
export function textReply(text: string, requestBytes: number): MessageReply {
  return {
    blocks: [{ type: "text", text }],
    usage: fullUsage(undefined, requestBytes, text.length),
  };
}

export function hasCall(reply: MessageReply): boolean {
  return reply.blocks.some((b) => b.type === "call");
}

/** Fills what the script left out: input ≈ request bytes / 4, output ≈ answer bytes / 4. */
export function fullUsage(
  usage: Usage | undefined,
  requestBytes: number,
  outputChars: number,
): FullUsage {
  return {
    input_tokens: usage?.input_tokens ?? Math.ceil(requestBytes / 4),
    output_tokens: usage?.output_tokens ?? Math.max(1, Math.ceil(outputChars / 4)),
    cache_creation_input_tokens: usage?.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: usage?.cache_read_input_tokens ?? 0,
  };
}

const callPrefix: Record<Dialect, string> = {
  anthropic: "toolu_",
  responses: "call_",
  chat: "call_",
};

type Call = { name: string; input: Record<string, unknown>; namespace?: string | undefined };

function callFor(turn: Turn, dialect: Dialect, ctx: ReplyContext): Call | undefined {
  if (turn.tool_use !== undefined) return { ...turn.tool_use };
  if (turn.shell !== undefined) return shellCall(turn.shell, dialect, ctx);
  if (turn.write === undefined) return undefined;
  const file = absolute(turn.write.path, ctx.cwd);
  const content = turn.write.content;
  if (dialect === "anthropic") return { name: "Write", input: { file_path: file, content } };
  if (dialect === "chat") return { name: "write", input: { filePath: file, content } };
  const dir = path.posix.dirname(file);
  const command = `mkdir -p ${shellQuote(dir)} && printf '%s' ${shellQuote(content)} > ${shellQuote(file)}`;
  return shellCall(command, dialect, ctx);
}

function shellCall(command: string, dialect: Dialect, ctx: ReplyContext): Call {
  if (dialect === "anthropic")
    return { name: "Bash", input: { command, description: "Run scripted command" } };
  if (dialect === "chat") return { name: "bash", input: { command } };
  // Codex 0.169 offers exec_command to an unknown model; older builds offered the others.
  if (!ctx.tools.includes("exec_command")) {
    if (ctx.tools.includes("shell_command")) return { name: "shell_command", input: { command } };
    if (ctx.tools.includes("shell"))
      return { name: "shell", input: { command: ["bash", "-lc", command] } };
  }
  return { name: "exec_command", input: { cmd: command } };
}

function absolute(file: string, cwd: string | undefined): string {
  return path.posix.isAbsolute(file) || cwd === undefined ? file : path.posix.join(cwd, file);
}
