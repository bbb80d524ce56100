/**
 * Codex `--json` events as readable pane lines. A failed turn repeats the `error` event just
 * before it: the renderer remembers that message so the pane shows it once.
 */
import { num, obj, oneLine, parseEvent, str } from "../shared.ts";
import type { Json } from "../shared.ts";

export function codexRenderer(): (line: string) => string | undefined {
  let lastError: string | undefined;
  return (line) => {
    const event = parseEvent(line);
    if (event?.type === "error") lastError = str(event.message);
    if (event?.type === "turn.failed" && str(obj(event.error).message) === lastError) {
      return "✗ turn failed";
    }
    return renderCodexLine(line);
  };
}

export function renderCodexLine(line: string): string | undefined {
  const event = parseEvent(line);
  if (event === undefined) return line.trim() === "" ? undefined : line.trimEnd();
  switch (event.type) {
    case "thread.started":
      return `[codex] thread ${str(event.thread_id) ?? "?"}`;
    case "item.started":
      return renderStarted(obj(event.item));
    case "item.completed":
      return renderCompleted(obj(event.item));
    case "turn.completed": {
      const u = obj(event.usage);
      // The thread's running total, not the turn's (see parser.ts).
      return `✓ turn done · thread so far: ${num(u.input_tokens)} in (${num(u.cached_input_tokens)} cached), ${num(u.output_tokens)} out`;
    }
    case "turn.failed":
      return `✗ turn failed: ${oneLine(str(obj(event.error).message) ?? "")}`;
    case "error":
      return `✗ ${oneLine(str(event.message) ?? "error")}`;
    default:
      return undefined;
  }
}

function renderStarted(item: Json): string | undefined {
  if (item.type === "command_execution")
    return `▶ ${oneLine(unwrapShell(str(item.command) ?? ""))}`;
  if (item.type === "mcp_tool_call")
    return `▶ mcp ${str(item.server) ?? "?"}/${str(item.tool) ?? "?"}`;
  return undefined;
}

function renderCompleted(item: Json): string | undefined {
  switch (item.type) {
    case "agent_message":
      return str(item.text)?.trim() || undefined;
    case "command_execution": {
      const code = item.exit_code;
      if (typeof code !== "number" || code === 0) return undefined;
      const output = oneLine(str(item.aggregated_output) ?? "");
      return `  ✗ exit ${code}${output === "" ? "" : `: ${output}`}`;
    }
    case "mcp_tool_call":
      return item.error == null ? undefined : `  ✗ ${oneLine(JSON.stringify(item.error))}`;
    case "file_change": {
      const changes = Array.isArray(item.changes) ? item.changes.map(obj) : [];
      const lines = changes.map((c) => `✎ ${str(c.kind) ?? "change"}: ${str(c.path) ?? "?"}`);
      return lines.length === 0 ? undefined : lines.join("\n");
    }
    case "web_search":
      return `▶ web search: ${oneLine(str(item.query) ?? "")}`;
    case "error":
      return `⚠ ${oneLine(str(item.message) ?? "")}`;
    default:
      return undefined;
  }
}

/** `/bin/bash -lc 'ls -la'` → `ls -la`: the wrapper is the same for every command. */
export function unwrapShell(command: string): string {
  const m = /^\S*\/?(?:ba|z)?sh -lc (['"])([\s\S]*)\1$/.exec(command);
  return m?.[2] ?? command;
}
