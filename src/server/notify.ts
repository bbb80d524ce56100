/**
 * The daemon's notifier: runs the user's `[notify] command` for every event that needs a human
 * (core/notify.ts decides which), with the event as JSON on its stdin.
 *
 * - Event-driven: the daemon calls `wake()` for every event it hears (its own and those of
 *   other processes, through the event feed); the notifier reads the log from its cursor, so
 *   what woke it never matters. Nothing polls.
 * - One command at a time, in event order. The command line is the user's own shell, one
 *   `sh -c` argument; the event reaches it on stdin and in a few FLUX_NOTIFY_* variables, and is
 *   never spliced into the command line.
 * - At least once: the cursor (store/notify.ts) moves past an event only after its command has
 *   ended, whatever it exited with, so a daemon killed mid-way sends it again on its next start.
 *   The first start with a command begins at the end of the log (no flood of old waits).
 * - A command that fails or outlives `[notify] timeout` (its process group is killed) is logged
 *   and the next one runs: a broken notify command holds up neither the engine nor later
 *   notifications. Its output goes to the daemon's log.
 */
import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import type { Notification } from "../core/notify.ts";
import { classifyEvent, notifyPayload } from "../core/notify.ts";
import type { FluxEvent } from "../store/events.ts";
import {
  clearNotifyCursor,
  planLabel,
  readNotifyCursor,
  writeNotifyCursor,
} from "../store/notify.ts";
import type { Store } from "../store/store.ts";

export interface NotifierOptions {
  store: Store;
  /** The user's command line, run as `sh -c <command>`. */
  command: string;
  /** Longest run of one command in ms; past it its process group is killed (default 30 s). */
  timeoutMs: number;
  /** Where the command runs: the repository's root. */
  cwd: string;
  /** The command's environment (the daemon's); FLUX_NOTIFY_* are added to it. */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** How long the notifier may go on sending once the daemon stops, in ms (default 5 s). */
  stopGraceMs?: number | undefined;
}

export interface Notifier {
  /** Something was committed: send what is owed (coalesces while a command runs). */
  wake(): void;
  /** Resolves once nothing is owed and no command runs. */
  idle(): Promise<void>;
  /**
   * Sends what is owed for up to `stopGraceMs` (or the timeout, if shorter), then kills the
   * command in flight; what was not sent, the next daemon sends.
   */
  stop(): Promise<void>;
}

/** Events read from the log at a time. */
const BATCH = 500;
/** Output kept from one command for the log. */
const OUTPUT_LIMIT = 4096;
const STOP_GRACE_MS = 5_000;

/** A daemon without a notify command owes nothing: forget the cursor of an earlier one. */
export function forgetNotifications(store: Store): void {
  clearNotifyCursor(store);
}

export function startNotifier(options: NotifierOptions): Notifier {
  const { store, log } = options;
  let cursor = readNotifyCursor(store) ?? -1;
  if (cursor < 0) {
    cursor = store.lastSeq();
    writeNotifyCursor(store, cursor);
    log(`notify: first start, from event ${cursor} on`);
  }
  let saved = cursor;
  let stopped = false;
  let again = false;
  let loop: Promise<void> | undefined;
  const abort = new AbortController();

  const save = () => {
    if (saved === cursor) return;
    writeNotifyCursor(store, cursor);
    saved = cursor;
  };

  /** Deals with every event after the cursor; returns early only when cut off at stop. */
  const drain = async () => {
    try {
      for (;;) {
        const batch = store.eventsSince(cursor, BATCH);
        if (batch.length === 0) return;
        for (const event of batch) {
          if (abort.signal.aborted) return;
          const note = classifyEvent(event, stageOf(store, event));
          if (note !== undefined) {
            const sent = await send(options, note, event, abort.signal);
            // Killed as the daemon stops: not sent, so the next daemon sends it.
            if (!sent) return;
            cursor = event.seq;
            save();
          } else {
            cursor = event.seq;
          }
        }
        save();
      }
    } finally {
      save();
    }
  };

  const wake = () => {
    if (stopped) return;
    if (loop !== undefined) {
      again = true;
      return;
    }
    loop = (async () => {
      try {
        do {
          again = false;
          await drain();
        } while (again && !abort.signal.aborted);
      } catch (error) {
        // The store failed (the engine stops the daemon for a damaged one): the next event
        // wakes the notifier again, from the cursor it saved.
        log(`notify: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      } finally {
        loop = undefined;
      }
    })();
  };

  wake();
  return {
    wake,
    idle: () => loop ?? Promise.resolve(),
    async stop() {
      stopped = true;
      if (loop === undefined) return;
      const graceMs = Math.min(options.stopGraceMs ?? STOP_GRACE_MS, options.timeoutMs);
      const grace = setTimeout(() => abort.abort(), graceMs);
      await loop;
      clearTimeout(grace);
    },
  };
}

/** The stage a move to `parked` left, for its deadline. */
function stageOf(store: Store, event: FluxEvent) {
  if (event.type !== "stage.transitioned" || event.data.to !== "parked") return undefined;
  if (event.planId === null || event.stageId === null) return undefined;
  return store.stage(event.planId, event.stageId);
}

/** Runs the command for one notification; false when it was killed because the daemon stops. */
async function send(
  options: NotifierOptions,
  note: Notification,
  event: FluxEvent,
  abort: AbortSignal,
): Promise<boolean> {
  const plan = event.planId === null ? undefined : planLabel(options.store, event.planId);
  const payload = notifyPayload(note, event, plan);
  const what = `notify: ${note.kind} ${note.stage} (event ${event.seq})`;
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    FLUX_NOTIFY_KIND: note.kind,
    FLUX_NOTIFY_STAGE: note.stage,
    FLUX_NOTIFY_REASON: envSafe(note.reason),
    FLUX_NOTIFY_COMMAND: note.command,
  };
  const outcome = await runCommand(options, `${JSON.stringify(payload)}\n`, env, abort);
  for (const line of outcome.output.split("\n").filter((l) => l.trim() !== ""))
    options.log(`${what}: ${line}`);
  switch (outcome.status) {
    case "exited":
      options.log(
        outcome.code === 0
          ? `${what}: sent`
          : `${what}: the command failed (${outcome.code === null ? `signal ${outcome.signal}` : `exit ${outcome.code}`})`,
      );
      return true;
    case "timed_out":
      options.log(`${what}: the command ran past ${options.timeoutMs} ms and was killed`);
      return true;
    case "error":
      options.log(`${what}: the command could not run: ${outcome.error}`);
      return true;
    case "aborted":
      options.log(`${what}: killed as the daemon stops; the next start sends it again`);
      return false;
  }
}

type Outcome = { output: string } & (
  | { status: "exited"; code: number | null; signal: NodeJS.Signals | null }
  | { status: "timed_out" | "aborted" }
  | { status: "error"; error: string }
);

/**
 * `sh -c <command>` in a process group of its own, `input` on its stdin. It ends when the shell
 * and everything holding its output have finished, or at the timeout (or abort), when the whole
 * group is killed: a `curl` the shell started goes with it.
 */
function runCommand(
  options: NotifierOptions,
  input: string,
  env: NodeJS.ProcessEnv,
  abort: AbortSignal,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn("sh", ["-c", options.command], { cwd: options.cwd, env, detached: true });
    } catch (error) {
      // Refused before any process started (an argument or variable Node will not pass on).
      resolve({ status: "error", error: String(error), output: "" });
      return;
    }
    let output = "";
    const take = (chunk: Buffer) => {
      if (output.length < OUTPUT_LIMIT) output += chunk.toString("utf8").slice(0, OUTPUT_LIMIT);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    let done = false;
    const finish = (outcome: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      abort.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    const killGroup = () => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch (error) {
          // ESRCH: every process of the group has ended already.
          if ((error as NodeJS.ErrnoException).code !== "ESRCH")
            options.log(`notify: killing the command: ${String(error)}`);
        }
      }
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const timer = setTimeout(() => {
      killGroup();
      finish({ status: "timed_out", output });
    }, options.timeoutMs);
    const onAbort = () => {
      killGroup();
      finish({ status: "aborted", output });
    };
    abort.addEventListener("abort", onAbort);
    child.on("error", (error) => finish({ status: "error", error: error.message, output }));
    child.on("close", (code, signal) => finish({ status: "exited", code, signal, output }));
    // A command that does not read its stdin may exit before it is written.
    child.stdin.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") options.log(`notify: writing the event: ${error.message}`);
    });
    child.stdin.end(input);
  });
}

/** Environment values cannot hold NUL. */
function envSafe(value: string): string {
  return value.replaceAll("\0", "");
}
