/**
 * A session's record as readable lines: the runner's NDJSON log (`.work/logs/<id>.ndjson`) with
 * each line of the agent's output rendered by its adapter's parser — the lines the pane shows —
 * and the runner's own records (start, context reports, stop, telemetry, exit) in words. An
 * interactive Claude session writes no stream: its transcript's lines are rendered the same way
 * (claude/transcript.ts). No I/O here: ./read.ts and ./follow.ts feed it raw lines.
 */
import { agentAdapter, isAgentAdapterKind } from "../../adapters/agents/index.ts";
import { claudeTranscriptTail } from "../../adapters/agents/claude/transcript.ts";
import { paint } from "../output.ts";

/** Who a line comes from: the agent's stdout (rendered), its stderr, or the runner. */
export type LineSource = "agent" | "stderr" | "flux";

export interface LogLine {
  /** When it was written (ISO), as far as the record says. */
  t: string | null;
  from: LineSource;
  text: string;
}

/** What the renderer needs to know of a session (a store row has it). */
export interface RenderedSession {
  id: string;
  stageId: string;
  agent: string;
  interactive: boolean;
}

export interface SessionRenderer {
  /** One raw line of the runner's NDJSON log. */
  logLine(raw: string): LogLine[];
  /** One raw line of an interactive agent's transcript. */
  transcriptLine(raw: string): LogLine[];
  /** The output lines still open at the end (an agent that did not end its last line). */
  flush(): LogLine[];
  /** True once the runner's `exit` record has been read: nothing follows it in the log. */
  readonly exited: boolean;
}

export interface RendererOptions {
  /**
   * The log is read from somewhere in its middle (a tail): each stream's first piece of output
   * may be the end of a line whose start was not read, and is dropped.
   */
  fromMiddle?: boolean;
}

type Stream = "stdout" | "stderr";

export function sessionRenderer(
  session: RenderedSession,
  options: RendererOptions = {},
): SessionRenderer {
  // One parser per session: Codex's and opencode's renderers remember what they showed.
  const parser =
    isAgentAdapterKind(session.agent) && !session.interactive
      ? agentAdapter(session.agent).parser()
      : undefined;
  const render = parser === undefined ? undefined : (line: string) => parser.render(line);
  const partial: Record<Stream, string> = { stdout: "", stderr: "" };
  const cut: Record<Stream, boolean> = {
    stdout: options.fromMiddle === true,
    stderr: options.fromMiddle === true,
  };
  let exited = false;
  let lastT: string | null = null;

  const agentLines = (stream: Stream, line: string, t: string | null): LogLine[] => {
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (stream === "stderr" || render === undefined) return [{ t, from: fromOf(stream), text }];
    // As the runner shows a parsed stream: blank lines and hidden events are not shown.
    if (text.trim() === "") return [];
    const shown = render(text);
    return shown === undefined ? [] : splitLines(shown, t, "agent");
  };

  const output = (stream: Stream, text: string, t: string | null): LogLine[] => {
    const pieces = (partial[stream] + text).split("\n");
    partial[stream] = pieces.pop() ?? "";
    if (cut[stream] && pieces.length > 0) {
      cut[stream] = false;
      pieces.shift();
    }
    return pieces.flatMap((line) => agentLines(stream, line, t));
  };

  return {
    get exited() {
      return exited;
    },
    logLine(raw) {
      const record = parseRecord(raw);
      if (record === undefined)
        return raw.trim() === "" ? [] : [{ t: null, from: "flux", text: raw }];
      const t = typeof record.t === "string" ? record.t : null;
      lastT = t ?? lastT;
      if (record.type === "output") {
        const stream: Stream = record.stream === "stderr" ? "stderr" : "stdout";
        return typeof record.text === "string" ? output(stream, record.text, t) : [];
      }
      if (record.type === "exit") exited = true;
      const text = runnerText(record, session);
      return text === undefined ? [] : [{ t, from: "flux", text }];
    },
    transcriptLine(raw) {
      // The transcript's own rendering (what a recovery signal quotes), one entry at a time.
      const shown = claudeTranscriptTail(raw, Infinity);
      if (shown.length === 0) return [];
      const entry = parseRecord(raw);
      const t = typeof entry?.timestamp === "string" ? entry.timestamp : null;
      return shown.map((text) => ({ t, from: "agent" as const, text }));
    },
    flush() {
      const out: LogLine[] = [];
      for (const stream of ["stdout", "stderr"] as const) {
        const rest = partial[stream];
        partial[stream] = "";
        if (rest !== "" && !cut[stream]) out.push(...agentLines(stream, rest, lastT));
      }
      return out;
    },
  };
}

/** A log line as it goes to a terminal: the runner's lines dimmed, as in the pane. */
export function formatLine(line: LogLine, color: boolean): string {
  return line.from === "flux" ? paint(color, "dim", line.text) : line.text;
}

type Json = Record<string, unknown>;

function parseRecord(raw: string): Json | undefined {
  const text = raw.trim();
  if (!text.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Json)
      : undefined;
  } catch (error) {
    // A line cut by a crash: shown as it is.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

function fromOf(stream: Stream): LineSource {
  return stream === "stderr" ? "stderr" : "agent";
}

function splitLines(text: string, t: string | null, from: LineSource): LogLine[] {
  return text.split("\n").map((line) => ({ t, from, text: line }));
}

/** The runner's own records (engine/runner.ts, engine/context-watch.ts) in words. */
function runnerText(record: Json, session: RenderedSession): string | undefined {
  switch (record.type) {
    case "start":
      return `[flux] session ${session.id} · stage ${session.stageId}`;
    case "spawned":
      return typeof record.pid === "number"
        ? `[flux] agent started (pid ${record.pid})`
        : "[flux] agent did not start";
    case "context":
      return contextText(record);
    case "stopping":
      return `[flux] stopping the agent: ${String(record.why)}`;
    case "telemetry":
      return telemetryText(record);
    case "exit": {
      const how = typeof record.signal === "string" ? record.signal : `code ${String(record.code)}`;
      const error = typeof record.error === "string" ? `: ${record.error}` : "";
      return `[flux] agent exited (${how})${error}`;
    }
    case "report_failed":
      return `[flux] could not tell the daemon (${String(record.what)}): ${String(record.error)}`;
    case "context_watch_failed":
      return `[flux] context watch failed: ${String(record.error)}`;
    default: {
      // A record this version does not know: shown whole rather than lost.
      const { t: _t, type, ...rest } = record;
      return `[flux] ${String(type)} ${JSON.stringify(rest)}`;
    }
  }
}

function contextText(record: Json): string {
  const percent = typeof record.percent === "number" ? `${record.percent}%` : "?";
  const level = typeof record.level === "string" ? ` (${record.level})` : "";
  const tokens =
    typeof record.tokens === "number" && typeof record.window === "number"
      ? ` · ${compact(record.tokens)} of ${compact(record.window)} tokens`
      : "";
  const action =
    record.action === "handoff"
      ? ": the agent is told to hand off"
      : record.action === "stop"
        ? ": stop"
        : "";
  const error = typeof record.error === "string" ? ` (not reported: ${record.error})` : "";
  return `[flux] context ${percent}${level}${tokens}${action}${error}`;
}

function telemetryText(record: Json): string {
  const parts: string[] = [];
  if (typeof record.model === "string") parts.push(record.model);
  const usage = record.usage;
  if (typeof usage === "object" && usage !== null) {
    const u = usage as Record<string, unknown>;
    const n = (k: string) => (typeof u[k] === "number" ? u[k] : 0);
    const input = n("inputTokens") + n("cacheCreationTokens") + n("cacheReadTokens");
    parts.push(`${compact(input)} in / ${compact(n("outputTokens"))} out`);
  }
  if (typeof record.costUsd === "number")
    parts.push(`$${record.costUsd.toFixed(4)}${record.costEstimated === true ? " (est.)" : ""}`);
  if (typeof record.result === "string")
    parts.push(
      typeof record.errorClass === "string"
        ? `${record.result}: ${record.errorClass}`
        : record.result,
    );
  if (typeof record.errorMessage === "string") parts.push(record.errorMessage.slice(0, 200));
  return `[flux] telemetry: ${parts.join(" · ")}`;
}

function compact(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n);
}
