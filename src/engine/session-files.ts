/**
 * The files of one session: under `.work/`, its exit report, its output log and its signal;
 * its spec (argv, environment — it holds the session's token and the run's API keys) in the
 * per-user state directory (0600), outside the repository, where no other session reaches it
 * through its worktree. tmux only ever launches `"$FLUX_BIN" runner <session-id>`; the runner
 * reads everything else from these files.
 */
import fs from "node:fs";
import path from "node:path";
import { ExitCode, FluxError } from "../core/errors.ts";
import type { SessionTelemetry } from "../adapters/agents/types.ts";
import { writeAtomic } from "../store/fs.ts";
import { ensureStateDir } from "../store/state-dir.ts";

export interface SessionSpec {
  sessionId: string;
  stageId: string;
  /** The worktree the agent works in. */
  cwd: string;
  /** The agent's command line. */
  argv: string[];
  /** The agent's whole environment. */
  env: Record<string, string>;
  /** Where the runner appends the agent's output, one JSON event per line. */
  logFile: string;
  /** Where the runner records the agent's exit before it reports it. */
  exitFile: string;
  /** What the agent reads on stdin: a prompt file (claude -p, codex exec), the pane, or nothing. */
  stdin?: { file: string } | "inherit" | "ignore";
  /** How the runner reads the agent's stdout: an agent CLI's event stream, or plain text. */
  output?: "claude-stream-json" | "codex-json" | "opencode-json" | "text";
  /**
   * The agent's own TUI (interactive Claude): it gets the pane's terminal on all three streams
   * and its telemetry comes from its transcript (agent.json names it), not from its output.
   */
  tty?: true;
  /**
   * The session's context thresholds and configured window (core/context): the runner stops a
   * headless agent at once when a model call crosses `hard`, before it asks the daemon.
   */
  context?: { window?: number | undefined; warn: number; handoff: number; hard: number };
  /**
   * How often the runner tells the daemon it lives while the agent runs, in ms (`[health]
   * heartbeat`). Absent in a spec from before heartbeats: that runner sends none.
   */
  heartbeatMs?: number;
  createdAt: string;
}

export interface ExitReport {
  code: number | null;
  signal: string | null;
  at: string;
  /** What the agent CLI reported (usage, cost, result), when its output is parsed. */
  telemetry?: SessionTelemetry | undefined;
}

export function sessionDir(work: string, sessionId: string): string {
  return path.join(work, "sessions", sessionId);
}

/** `<state dir>/sessions/<id>/spec.json` (store/state-dir.ts). */
export function specFile(stateDir: string, sessionId: string): string {
  return path.join(stateDir, "sessions", sessionId, "spec.json");
}

export function exitFile(work: string, sessionId: string): string {
  return path.join(sessionDir(work, sessionId), "exit.json");
}

/** A TUI's last screen, captured by its runner after it exited (before the pane closes). */
export function screenFile(work: string, sessionId: string): string {
  return path.join(sessionDir(work, sessionId), "screen.txt");
}

/** The captured last screen of an interactive session, if its runner captured one. */
export function readScreen(work: string, sessionId: string): string | undefined {
  try {
    return fs.readFileSync(screenFile(work, sessionId), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The agent's own session id and transcript, as its SessionStart hook reported them. */
export function agentFile(work: string, sessionId: string): string {
  return path.join(sessionDir(work, sessionId), "agent.json");
}

export function logFile(work: string, sessionId: string): string {
  return path.join(work, "logs", `${sessionId}.ndjson`);
}

export function signalFile(work: string, sessionId: string): string {
  return path.join(work, "signals", `${sessionId}.md`);
}

export function writeSpec(stateDir: string, spec: SessionSpec): string {
  const file = specFile(ensureStateDir(stateDir), spec.sessionId);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeAtomic(file, `${JSON.stringify(spec, null, 2)}\n`, 0o600);
  return file;
}

export function readSpec(stateDir: string, sessionId: string): SessionSpec {
  const file = specFile(stateDir, sessionId);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as SessionSpec;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new FluxError("SESSION_SPEC_MISSING", `no session spec at ${file}`, {
      hint: "sessions are started by `flux run`; `flux attach list` shows the live ones",
      exitCode: ExitCode.notFound,
    });
  }
}

export function readExitReport(work: string, sessionId: string): ExitReport | undefined {
  try {
    return JSON.parse(fs.readFileSync(exitFile(work, sessionId), "utf8")) as ExitReport;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export function writeExitReport(work: string, sessionId: string, report: ExitReport): void {
  writeAtomic(exitFile(work, sessionId), `${JSON.stringify(report)}\n`);
}

/** The transcript an interactive agent's SessionStart hook named, if it ran. */
export function agentTranscript(work: string, sessionId: string): string | undefined {
  try {
    const agent = JSON.parse(fs.readFileSync(agentFile(work, sessionId), "utf8")) as {
      transcriptPath?: unknown;
    };
    return typeof agent.transcriptPath === "string" ? agent.transcriptPath : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The last `lines` lines the agent printed, from the session's log. */
export function logTail(work: string, sessionId: string, lines = 40): string {
  let text: string;
  try {
    text = fs.readFileSync(logFile(work, sessionId), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const event = JSON.parse(line) as { type: string; text?: string };
    if (event.type === "output" && event.text !== undefined) out.push(event.text);
  }
  return out.join("").split("\n").slice(-lines).join("\n");
}
