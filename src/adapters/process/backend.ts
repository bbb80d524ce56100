/**
 * Sessions as detached child processes, for machines without tmux: output goes to the session's
 * log file, nobody can attach or type, and a state file per session lets another process (a
 * restarted daemon) find, check and end what this one started.
 *
 * Each session is its own process group (detached), so kill() reaches everything the agent
 * started, not only the process Flux spawned.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ExitCode, FluxError } from "../../core/errors.ts";
import {
  DEFAULT_CAPTURE_LINES,
  assertLines,
  assertSessionName,
  sessionExists,
  sessionNotFound,
  validateStart,
} from "../sessions/backend.ts";
import type {
  ExitListener,
  SessionBackend,
  SessionInfo,
  StartSession,
} from "../sessions/backend.ts";
import { tailLines } from "./log.ts";
import { groupAlive, leaderStatus, processStartTime, signalGroup } from "./proc.ts";
import { listStates, readState, removeState, writeState } from "./state.ts";
import type { SessionState } from "./state.ts";

export interface ProcessBackendOptions {
  /** Directory for the per-session state files (created 0700 when needed). */
  stateDir: string;
  /** How long kill() waits after SIGTERM before SIGKILL, in ms. Default 5000. */
  killGraceMs?: number;
  /** Base environment of started processes, under `spec.env`. Default: process.env when constructed. */
  env?: NodeJS.ProcessEnv;
  /** Clock for `startedAt`. Default: the system clock. */
  now?: () => Date;
}

/**
 * How often kill() looks whether the group has ended, in ms. Nothing signals the end of a
 * process group (grandchildren are not our children), so this one wait polls.
 */
const GROUP_POLL_MS = 50;
/** After SIGKILL a group ends as soon as the kernel reaps it; longer means something is stuck. */
const SIGKILL_WAIT_MS = 5_000;

export class ProcessBackend implements SessionBackend {
  readonly kind = "process" as const;
  readonly stateDir: string;
  readonly #graceMs: number;
  readonly #env: NodeJS.ProcessEnv;
  readonly #now: () => Date;
  /** Told when a child started by this instance exits. */
  readonly #listeners = new Set<ExitListener>();

  constructor(options: ProcessBackendOptions) {
    this.stateDir = options.stateDir;
    this.#graceMs = options.killGraceMs ?? 5_000;
    this.#env = options.env ?? process.env;
    this.#now = options.now ?? (() => new Date());
  }

  async start(spec: StartSession): Promise<{ pid?: number }> {
    validateStart(spec);
    const existing = readState(this.stateDir, spec.name);
    if (existing !== undefined && leaderStatus(existing.pid, existing.procStart) === "alive") {
      throw sessionExists(spec.name);
    }
    fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
    const fd = fs.openSync(spec.logFile, "a", 0o600);
    let child: ChildProcess;
    try {
      const [program = "", ...args] = spec.argv;
      child = spawn(program, args, {
        cwd: spec.cwd,
        env: { ...this.#env, ...spec.env },
        detached: true,
        stdio: ["ignore", fd, fd],
      });
    } finally {
      // The child has its own copy of the descriptor.
      fs.closeSync(fd);
    }
    const pid = child.pid;
    if (pid === undefined) {
      // Node reports a failed spawn (program missing, not executable) as an 'error' event.
      const [error] = (await once(child, "error")) as [NodeJS.ErrnoException];
      throw new FluxError(
        "SESSION_START_FAILED",
        `session ${spec.name}: cannot run ${spec.argv[0]}: ${error.message}`,
        {
          hint: "check that the program exists and is executable",
          exitCode: ExitCode.environment,
          data: { name: spec.name, argv: [...spec.argv], errno: error.code },
          cause: error,
        },
      );
    }
    // Read now, in this tick: the child cannot have been reaped yet, so /proc still has it.
    const procStart = processStartTime(pid);
    writeState(this.stateDir, {
      name: spec.name,
      pid,
      startedAt: this.#now().toISOString(),
      ...(procStart === undefined ? {} : { procStart }),
      logFile: spec.logFile,
    });
    child.once("exit", (code, signal) => {
      for (const listener of this.#listeners) listener(spec.name, code, signal);
    });
    // The session outlives this process: do not keep the event loop alive for it.
    child.unref();
    return { pid };
  }

  isAlive(name: string): Promise<boolean> {
    return settle(() => {
      assertSessionName(name);
      const state = readState(this.stateDir, name);
      return state !== undefined && isRunning(state);
    });
  }

  /** SIGTERM to the session's process group, SIGKILL after the grace period; forgets the session. */
  async kill(name: string): Promise<void> {
    assertSessionName(name);
    const state = readState(this.stateDir, name);
    if (state === undefined) return;
    // "other": the pid was reused, so our group ended long ago; signalling would hit a stranger.
    if (leaderStatus(state.pid, state.procStart) !== "other") {
      signalGroup(state.pid, "SIGTERM");
      if (!(await groupEnds(state.pid, this.#graceMs))) {
        signalGroup(state.pid, "SIGKILL");
        if (!(await groupEnds(state.pid, SIGKILL_WAIT_MS))) {
          throw new FluxError(
            "SESSION_KILL_FAILED",
            `session ${name}: process group ${state.pid} survived SIGKILL`,
            {
              hint: `look at it with \`ps -g ${state.pid}\`; a process stuck in the kernel (state D) cannot be killed`,
              data: { name, pid: state.pid },
            },
          );
        }
      }
    }
    removeState(this.stateDir, name);
  }

  list(): Promise<SessionInfo[]> {
    return settle(() =>
      listStates(this.stateDir).map((state) => ({
        name: state.name,
        alive: isRunning(state),
        pid: state.pid,
        createdAt: state.startedAt,
      })),
    );
  }

  capture(name: string, lines = DEFAULT_CAPTURE_LINES): Promise<string> {
    return settle(() => {
      assertSessionName(name);
      assertLines(lines);
      const state = readState(this.stateDir, name);
      if (state === undefined) throw sessionNotFound(name);
      return tailLines(state.logFile, lines);
    });
  }

  sendKeys(name: string, _keys: readonly string[]): Promise<void> {
    return Promise.reject(
      new FluxError(
        "SESSION_NO_INPUT",
        `session ${name} runs without a terminal: it cannot take keys`,
        {
          hint: "install tmux and use the tmux session backend to type into sessions",
          exitCode: ExitCode.refused,
          data: { name },
        },
      ),
    );
  }

  /** Nothing to attach to: `flux logs` shows the output instead. */
  attachCommand(_name: string): undefined {
    return undefined;
  }

  /** Nothing to free: each session is its own process. */
  release(): Promise<void> {
    return Promise.resolve();
  }

  onExit(listener: ExitListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}

/** Runs synchronous work behind the async interface: a throw becomes a rejection. */
function settle<T>(work: () => T): Promise<T> {
  // A throw inside the executor rejects the promise.
  return new Promise((resolve) => resolve(work()));
}

function isRunning(state: SessionState): boolean {
  return leaderStatus(state.pid, state.procStart) === "alive";
}

/** Waits up to `ms` for the group to end; true when it did. */
async function groupEnds(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await sleep(GROUP_POLL_MS);
  }
  return true;
}
