/**
 * opencode `--format json` events as readable pane lines. Its events have no start event of
 * their own: the renderer names the session on the first line that carries it.
 */
import { num, obj, oneLine, parseEvent, str } from "../shared.ts";
import type { Json } from "../shared.ts";

export function opencodeRenderer(): (line: string) => string | undefined {
  let announced = false;
  return (line) => {
    const out = renderOpencodeLine(line);
    const id = parseEvent(line)?.sessionID;
    if (announced || typeof id !== "string") return out;
    announced = true;
    const head = `[opencode] session ${id}`;
    return out === undefined ? head : `${head}\n${out}`;
  };
}

export function renderOpencodeLine(line: string): string | undefined {
  const event = parseEvent(line);
  if (event === undefined) return line.trim() === "" ? undefined : line.trimEnd();
  const part = obj(event.part);
  switch (event.type) {
    case "text":
      return str(part.text)?.trim() || undefined;
    case "tool_use":
      return renderTool(part);
    case "step_finish": {
      if (part.reason !== "stop") return undefined;
      const tokens = obj(part.tokens);
      return `✓ done · context ${num(tokens.total)} tokens`;
    }
    case "error": {
      const error = obj(event.error);
      return `✗ ${str(error.name) ?? "error"}: ${oneLine(str(obj(error.data).message) ?? "")}`;
    }
    default:
      return undefined;
  }
}

const EDIT_TOOLS = new Set(["write", "edit", "patch", "multiedit"]);
const SUBJECT_KEYS = ["command", "filePath", "path", "pattern", "url", "query", "description"];

function renderTool(part: Json): string {
  const tool = str(part.tool) ?? "tool";
  const state = obj(part.state);
  const input = obj(state.input);
  const key = SUBJECT_KEYS.find((k) => typeof input[k] === "string");
  const subject = key === undefined ? "" : oneLine(input[key] as string);
  const head = `${EDIT_TOOLS.has(tool) ? "✎" : "▶"} ${tool}${subject === "" ? "" : `: ${subject}`}`;
  if (state.status !== "error") return head;
  return `${head}\n  ✗ ${oneLine(str(state.error) ?? "failed")}`;
}
