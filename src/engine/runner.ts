/**
 * The runner: the one process tmux launches for a session (`"$FLUX_BIN" runner <id>`). It
 * starts the agent from the session's spec, keeps its output in `.work/logs/<id>.ndjson` (one
 * event per line, with timestamps), shows it in the pane, and reports the start and the exit.
 * The exit is written to `exit.json` before it is reported, so a daemon that was down (or
 * restarted) still learns it.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { SessionSpec } from "./session-files.ts";
import { readSpec, writeExitReport } from "./session-files.ts";

export interface RunnerReporter {
  started(pid: number | null): Promise<void>;
  exited(code: number | null, signal: string | null): Promise<void>;
}

export interface RunnerOptions {
  work: string;
  sessionId: string;
  reporter: RunnerReporter;
  /** Where the agent's output is shown (the pane). */
  display: NodeJS.WritableStream;
  now?: () => Date;
}

export async function runSession(options: RunnerOptions): Promise<number> {
  const now = options.now ?? (() => new Date());
  const spec: SessionSpec = readSpec(options.work, options.sessionId);
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

  const child = spawn(command, args, {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ["inherit", "pipe", "pipe"],
    detached: false,
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const)
    process.on(signal, forward(signal));

  for (const stream of ["stdout", "stderr"] as const) {
    child[stream].setEncoding("utf8").on("data", (text: string) => {
      record({ type: "output", stream, text });
      options.display.write(text);
    });
  }
  const spawned = new Promise<void>((resolve) => child.once("spawn", resolve));
  const ended = new Promise<{ code: number | null; signal: string | null; error?: string }>(
    (resolve) => {
      child.once("error", (error) => resolve({ code: 127, signal: null, error: error.message }));
      child.once("close", (code, signal) => resolve({ code, signal }));
    },
  );
  await Promise.race([spawned, ended]);
  record({ type: "spawned", pid: child.pid ?? null });
  await options.reporter.started(child.pid ?? null).catch((error: unknown) => {
    record({ type: "report_failed", what: "started", error: String(error) });
  });

  const end = await ended;
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
  writeExitReport(options.work, spec.sessionId, {
    code: end.code,
    signal: end.signal,
    at: now().toISOString(),
  });
  await options.reporter.exited(end.code, end.signal).catch(() => {
    // The daemon is down: it reads exit.json when it starts again.
  });
  return end.code ?? 1;
}
