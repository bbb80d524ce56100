/**
 * The runner: the one process tmux launches for a session (`"$FLUX_BIN" runner <id>`). It
 * starts the agent from the session's spec, keeps its output in `.work/logs/<id>.ndjson` (one
 * event per line, with timestamps), shows it in the pane, and reports the start and the exit.
 * The exit is written to `exit.json` before it is reported, so a daemon that was down (or
 * restarted) still learns it. While the agent runs it sends a heartbeat every `heartbeatMs`:
 * a runner killed outright reports nothing, and the daemon finds it by the beats that stop.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { agentAdapter } from "../adapters/agents/index.ts";
import type { OutputParser, SessionTelemetry } from "../adapters/agents/types.ts";
import type { SessionSpec } from "./session-files.ts";
import { agentTranscript, readSpec, screenFile, writeExitReport } from "./session-files.ts";
import { captureOwnPane } from "../adapters/tmux/tmux.ts";
import { claudeTranscriptTelemetry, readTranscript } from "../adapters/agents/claude/transcript.ts";
import type { ContextAnswer, ContextReportBody } from "./hook-events.ts";
import { endAgent, KILL_AFTER_MS, killLeftBehind, watchContext } from "./context-watch.ts";

/** How long the runner waits for the agent's last output after it exited, in ms. */
const DRAIN_MS = 2_000;
/** How long the runner waits, after its agent exited, for its last context report, in ms. */
const CONTEXT_WAIT_MS = 5_000;

export interface RunnerReporter {
  started(pid: number | null): Promise<void>;
  /**
   * The agent's context after a model call; the daemon answers what the agent must do
   * (undefined: no daemon to ask). Optional: a runner without it follows only the hard limit.
   */
  context?(body: ContextReportBody): Promise<ContextAnswer | undefined>;
  /**
   * The agent still runs (every `heartbeatMs` of the spec). A failure is ignored: the daemon may
   * be down or restarting, and the next beat tries again. Optional: a runner without it sends
   * none, and the daemon learns of its death from the backend alone.
   */
  heartbeat?(): Promise<void>;
  exited(
    code: number | null,
    signal: string | null,
    telemetry: SessionTelemetry | undefined,
  ): Promise<void>;
}

export interface RunnerOptions {
  work: string;
  /** Where the session's spec is (the per-user state directory). */
  stateDir: string;
  sessionId: string;
  reporter: RunnerReporter;
  /** Where the agent's output is shown (the pane). */
  display: NodeJS.WritableStream;
  now?: () => Date;
  /** How long an agent ended for its context has after SIGTERM before SIGKILL, in ms (5,000). */
  killAfterMs?: number;
  /** How long the exit report waits for the last context report, in ms (5,000). */
  contextWaitMs?: number;
}

export async function runSession(options: RunnerOptions): Promise<number> {
  const now = options.now ?? (() => new Date());
  const spec: SessionSpec = readSpec(options.stateDir, options.sessionId);
  fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  const log = fs.openSync(spec.logFile, "a");
  const record = (event: Record<string, unknown>) =>
    fs.writeSync(log, `${JSON.stringify({ t: now().toISOString(), ...event })}\n`);

  const [command, ...args] = spec.argv;
  if (command === undefined) throw new Error(`session ${spec.sessionId} has an empty argv`);
  record({ type: "start", argv: spec.argv, cwd: spec.cwd });
  options.display.write(
    `\u001b[2m[flux] session ${spec.sessionId} · stage ${spec.stageId}\u001b[22m\n`,
  );

  const stdin = spec.stdin ?? "inherit";
  const input = typeof stdin === "object" ? fs.openSync(stdin.file, "r") : stdin;
  // A TUI needs the pane's terminal on all three streams; piping its output breaks it.
  const tty = spec.tty === true;
  const child = spawn(command, args, {
    cwd: spec.cwd,
    // Some agents (opencode) take their project from $PWD, not from the directory they start in.
    env: { ...spec.env, PWD: spec.cwd },
    stdio: tty ? "inherit" : [input, "pipe", "pipe"],
    // In the runner's process group: a backend that kills the group kills everything.
    detached: false,
  });
  if (typeof input === "number") fs.closeSync(input);
  // An agent CLI's event stream is parsed for telemetry and shown as readable lines.
  const kind = spec.output ?? "text";
  const parser = kind === "text" ? undefined : agentAdapter(PARSED_BY[kind]).parser();
  let partial = "";
  const toGroup = !tty && leadsOwnGroup() ? new Set<NodeJS.Signals>() : undefined;
  const handlers = (["SIGTERM", "SIGHUP", "SIGINT"] as const).map((signal) => {
    const handler = () => forward(child, signal, toGroup);
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  const reporter = options.reporter;
  const context = watchContext({
    spec,
    parser,
    // Called in a promise chain: a reporter that throws is a report that failed.
    report: async (body) => reporter.context?.(body),
    stop: (why) => {
      record({ type: "stopping", why });
      endAgent(child, toGroup, options.killAfterMs ?? KILL_AFTER_MS);
    },
    record,
    show: (text) => options.display.write(`${text}\n`),
    now,
  });

  for (const stream of tty ? [] : (["stdout", "stderr"] as const)) {
    const pipe = child[stream];
    if (pipe === null) throw new Error(`the agent's ${stream} is not a pipe`);
    pipe.setEncoding("utf8").on("data", (text: string) => {
      record({ type: "output", stream, text });
      if (parser === undefined || stream === "stderr") {
        options.display.write(text);
        return;
      }
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        showParsed(parser, line, options.display);
        context.parsed();
      }
    });
  }
  const spawned = new Promise<void>((resolve) => child.once("spawn", resolve));
  const ended = new Promise<{ code: number | null; signal: string | null; error?: string }>(
    (resolve) => {
      child.once("error", (error) => resolve({ code: 127, signal: null, error: error.message }));
      child.once("exit", (code, signal) => {
        // Output still in the pipes arrives before 'close'; but a process the agent left
        // behind may hold them open forever, and must not keep the runner (and its report).
        const timer = setTimeout(() => resolve({ code, signal }), DRAIN_MS);
        child.once("close", () => {
          clearTimeout(timer);
          resolve({ code, signal });
        });
      });
    },
  );
  await Promise.race([spawned, ended]);
  const stopBeating = keepBeating(spec.heartbeatMs, reporter);
  record({ type: "spawned", pid: child.pid ?? null });
  await options.reporter.started(child.pid ?? null).catch((error: unknown) => {
    record({ type: "report_failed", what: "started", error: String(error) });
  });

  const end = await ended;
  // The agent is gone: from here the runner's exit report speaks for the session.
  stopBeating();
  for (const off of handlers) off();
  const left = killLeftBehind(toGroup);
  if (left > 0) record({ type: "killed_left_behind", processes: left });
  // A TUI that refused to start said why on its screen only: keep it before the pane closes.
  if (tty) await keepScreen(options.work, spec.sessionId, record);
  // The daemon learns the last figure before the exit: an agent ended past its limit is a
  // handoff for Flux to write, not a crash.
  await context.close(options.contextWaitMs ?? CONTEXT_WAIT_MS);
  // A process the agent left behind may still hold its pipes: they must not keep the runner.
  child.stdout?.destroy();
  child.stderr?.destroy();
  if (parser !== undefined && partial !== "") showParsed(parser, partial, options.display);
  const telemetry = tty ? transcriptTelemetry(options.work, spec) : parser?.telemetry(end.code);
  if (telemetry !== undefined) record({ type: "telemetry", ...telemetry });
  record({
    type: "exit",
    code: end.code,
    signal: end.signal,
    ...(end.error === undefined ? {} : { error: end.error }),
  });
  fs.closeSync(log);
  options.display.write(
    `\u001b[2m[flux] agent exited (${end.signal ?? `code ${end.code}`})${end.error === undefined ? "" : `: ${end.error}`}\u001b[22m\n`,
  );
  try {
    writeExitReport(options.work, spec.sessionId, {
      code: end.code,
      signal: end.signal,
      at: now().toISOString(),
      telemetry,
    });
  } catch (error) {
    // The session's directory is gone (its repository was removed): the report still goes.
    options.display.write(`[flux] could not write exit.json: ${String(error)}\n`);
  }
  await options.reporter.exited(end.code, end.signal, telemetry).catch(() => {
    // The daemon is down: it reads exit.json when it starts again.
  });
  return end.code ?? 1;
}

/**
 * Calls the reporter's heartbeat every `ms` until the returned function stops it. One beat at a
 * time: a slow daemon skips beats rather than piling requests up. A failed beat is ignored.
 */
function keepBeating(ms: number | undefined, reporter: RunnerReporter): () => void {
  if (ms === undefined || reporter.heartbeat === undefined) return () => undefined;
  let inFlight = false;
  const done = () => {
    inFlight = false;
  };
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = true;
    // In a promise chain: a reporter that throws at once is a beat that failed.
    void Promise.resolve()
      .then(() => reporter.heartbeat?.())
      .then(done, done);
  }, ms);
  // The timer alone never keeps the runner alive.
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Passes a signal on to the agent. A hang-up or termination of a headless session goes to the
 * whole process group the runner leads (tmux's pane, the process backend), once — what the
 * agent started too, or a grandchild blocked in a system call outlives the session and holds
 * its pipes; the runner stays to report. Everything else goes to the agent alone: SIGINT (a
 * terminal's Ctrl-C reached the group already), a TUI (it ends its own children), or a runner
 * in someone else's group (never signal a group Flux does not own).
 */
function forward(
  child: ChildProcess,
  signal: NodeJS.Signals,
  toGroup: Set<NodeJS.Signals> | undefined,
): void {
  if (toGroup === undefined || signal === "SIGINT") {
    child.kill(signal);
    return;
  }
  if (toGroup.has(signal)) return; // the runner is in the group: it comes back once
  toGroup.add(signal);
  process.kill(0, signal);
}

/** True when this process leads its process group (Linux /proc; elsewhere: unknown, false). */
function leadsOwnGroup(): boolean {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const [, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(pgrp) === process.pid;
  } catch {
    return false;
  }
}

async function keepScreen(
  work: string,
  sessionId: string,
  record: (event: Record<string, unknown>) => void,
): Promise<void> {
  const screen = await captureOwnPane(process.env);
  if (screen === undefined) return;
  try {
    fs.writeFileSync(screenFile(work, sessionId), `${screen}\n`, { mode: 0o600 });
  } catch (error) {
    record({ type: "screen_failed", error: String(error) });
  }
}

/** An interactive session's telemetry: its transcript, named by its SessionStart hook. */
function transcriptTelemetry(work: string, spec: SessionSpec): SessionTelemetry | undefined {
  // No transcript: the agent never started its session.
  const text = readTranscript(agentTranscript(work, spec.sessionId));
  return text === undefined ? undefined : claudeTranscriptTelemetry(text);
}

function showParsed(parser: OutputParser, line: string, display: NodeJS.WritableStream): void {
  if (line.trim() === "") return;
  parser.push(line);
  const shown = parser.render(line);
  if (shown !== undefined) display.write(`${shown}\n`);
}

const PARSED_BY = {
  "claude-stream-json": "claude",
  "codex-json": "codex",
  "opencode-json": "opencode",
} as const;
