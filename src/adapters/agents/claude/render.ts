/** Claude Code stream-json events as readable pane lines. */
import { num, obj, oneLine, parseEvent, str } from "../shared.ts";
import type { Json } from "../shared.ts";

const EDIT_TOOLS = new Set(["Write", "Edit", "MultiEdit", "NotebookEdit"]);
/** The input field that says what a tool call is about, in order of preference. */
const SUBJECT_KEYS = [
  "command",
  "file_path",
  "notebook_path",
  "path",
  "pattern",
  "url",
  "query",
  "description",
  "prompt",
];

export function renderClaudeLine(line: string): string | undefined {
  const event = parseEvent(line);
  if (event === undefined) return line.trim() === "" ? undefined : line.trimEnd();
  switch (event.type) {
    case "system":
      return renderSystem(event);
    case "assistant": {
      const message = obj(event.message);
      // Claude's stand-in message for an API error: the result line says the same.
      if (message.model === "<synthetic>") return undefined;
      return renderBlocks(message.content, event.parent_tool_use_id != null);
    }
    case "user":
      return renderToolErrors(obj(event.message).content);
    case "result":
      return renderResult(event);
    default:
      return undefined;
  }
}

function renderSystem(event: Json): string | undefined {
  if (event.subtype === "init") {
    const parts = [`[claude] session ${str(event.session_id) ?? "?"}`];
    if (typeof event.model === "string") parts.push(event.model);
    if (typeof event.permissionMode === "string") parts.push(event.permissionMode);
    return parts.join(" · ");
  }
  if (event.subtype === "compact_boundary") {
    const meta = obj(event.compact_metadata);
    return `⋯ context compacted (${num(meta.pre_tokens)} → ${num(meta.post_tokens)} tokens)`;
  }
  if (event.subtype === "status" && event.status === "compacting") return "⋯ compacting context";
  return undefined;
}

function renderBlocks(content: unknown, subagent: boolean): string | undefined {
  if (!Array.isArray(content)) return undefined;
  const lines: string[] = [];
  for (const block of content.map(obj)) {
    if (block.type === "text" && typeof block.text === "string" && block.text.trim() !== "") {
      lines.push(block.text.trim());
    } else if (block.type === "tool_use") {
      lines.push(toolLine(str(block.name) ?? "tool", obj(block.input)));
    }
  }
  if (lines.length === 0) return undefined;
  // A subagent's work is indented under the Task call that started it.
  return subagent ? lines.map((l) => `  │ ${l}`).join("\n") : lines.join("\n");
}

export function toolLine(name: string, input: Json): string {
  const mcp = /^mcp__(.+?)__(.+)$/.exec(name);
  const label = mcp === null ? name : `mcp ${mcp[1]}/${mcp[2]}`;
  const key = SUBJECT_KEYS.find((k) => typeof input[k] === "string");
  const subject = key === undefined ? "" : oneLine(input[key] as string);
  const mark = EDIT_TOOLS.has(name) ? "✎" : "▶";
  return subject === "" ? `${mark} ${label}` : `${mark} ${label}: ${subject}`;
}

function renderToolErrors(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined;
  const lines = content
    .map(obj)
    .filter((b) => b.type === "tool_result" && b.is_error === true)
    .map((b) => `  ✗ ${oneLine(resultText(b.content))}`);
  return lines.length === 0 ? undefined : lines.join("\n");
}

function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map(obj)
    .map((b) => str(b.text) ?? "")
    .join(" ");
}

function renderResult(event: Json): string {
  const n = num(event.num_turns);
  const turns = `${n} turn${n === 1 ? "" : "s"}`;
  const cost =
    typeof event.total_cost_usd === "number" ? ` · $${event.total_cost_usd.toFixed(4)}` : "";
  if (event.subtype === "error_max_turns")
    return `✗ stopped: maximum turns reached · ${turns}${cost}`;
  if (event.is_error === true) return `✗ ${oneLine(str(event.result) ?? String(event.subtype))}`;
  return `✓ done · ${turns}${cost}`;
}
