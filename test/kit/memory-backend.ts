/**
 * An in-memory SessionBackend for in-process engine tests: nothing runs, every call is recorded,
 * and the test plays the part of the session's program (`exit`, `output`).
 *
 *   const backend = new MemoryBackend();
 *   const launch = backend.nextLaunch();          // or waitForLaunch("flux-a")
 *   engine.wake();
 *   const { spec } = await launch;                // what the engine started, argv and env
 *   backend.exit("flux-a", 0);                    // the runner ended: onExit listeners fire now
 *
 * Deterministic and synchronous: a call changes the state before it returns its (already
 * settled) promise, `exit` and `kill` call the onExit listeners before they return, pids and
 * dates come from counters and an injectable clock. It keeps the same checks as the real
 * backends (validateStart: name, argv, env names, an existing cwd; SESSION_EXISTS;
 * SESSION_NOT_FOUND; SESSION_NO_INPUT without a terminal), so what passes here passes there —
 * test/adapters/sessions/contract.test.ts runs all three through one suite.
 */
import {
  DEFAULT_CAPTURE_LINES,
  assertLines,
  assertSessionName,
  lastLines,
  sessionExists,
  sessionNotFound,
  validateStart,
} from "../../src/adapters/sessions/backend.ts";
import type {
  ExitListener,
  SessionBackend,
  SessionInfo,
  StartSession,
} from "../../src/adapters/sessions/backend.ts";
import { ExitCode, FluxError } from "../../src/core/errors.ts";

/** Captured at import, so a test's fake timers cannot stop a wait from timing out. */
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

export interface MemoryBackendOptions {
  /**
   * Which real backend this one stands for, as the engine sees it (`kind` is stored with each
   * session). "process" (default): exits are reported, no terminal. "tmux": a terminal
   * (sendKeys is recorded), and exits are not reported unless `reportsExits` says so.
   */
  kind?: "tmux" | "process";
  /** Whether onExit listeners hear ended sessions. Default: true for "process", false for "tmux". */
  reportsExits?: boolean;
  /** Clock for `createdAt`. Default: the system clock. */
  now?: () => Date;
  /**
   * First pid handed out (then +1 per launch), or false for none. Default false: the pids are
   * fake, and one that reached `process.kill` could hit a real process.
   */
  firstPid?: number | false;
}

/** One launch: the spec exactly as the backend got it, and what has happened to it since. */
export interface MemorySession {
  name: string;
  spec: StartSession;
  pid?: number;
  /** ISO 8601, from the backend's clock. */
  createdAt: string;
  /** Position among all launches of this backend, from 0. */
  seq: number;
  alive: boolean;
  /** How it ended: by `exit()`, or by `kill()` (signal "SIGTERM"). */
  ended?: { code: number | null; signal: string | null; by: "exit" | "kill" };
  /** What `capture` shows: text given to `output()`. */
  output: string;
  /** Every sendKeys call, in order. */
  keys: string[][];
}

export interface WaitOptions {
  /** Reject after this long, in real ms. Default 5 000. */
  timeoutMs?: number;
}

type LaunchWaiter = {
  match: (session: MemorySession) => boolean;
  resolve: (session: MemorySession) => void;
};

export class MemoryBackend implements SessionBackend {
  readonly kind: "tmux" | "process";
  /** Every launch, in order, including those that have ended since. */
  readonly launched: MemorySession[] = [];
  /** Names passed to kill(), in order (also for sessions that did not exist). */
  readonly killed: string[] = [];
  /** How many times release() was called. */
  released = 0;
  readonly #reportsExits: boolean;
  readonly #now: () => Date;
  #nextPid: number | false;
  /** The latest launch of each name; killed sessions are removed (ended ones: see list()). */
  readonly #sessions = new Map<string, MemorySession>();
  readonly #listeners = new Set<ExitListener>();
  readonly #waiters = new Set<LaunchWaiter>();

  constructor(options: MemoryBackendOptions = {}) {
    this.kind = options.kind ?? "process";
    this.#reportsExits = options.reportsExits ?? this.kind === "process";
    this.#now = options.now ?? (() => new Date());
    this.#nextPid = options.firstPid ?? false;
  }

  // ---- SessionBackend ----

  start(spec: StartSession): Promise<{ pid?: number }> {
    return settle(() => {
      validateStart(spec);
      if (this.#sessions.get(spec.name)?.alive === true) throw sessionExists(spec.name);
      const pid = this.#nextPid === false ? undefined : this.#nextPid++;
      const session: MemorySession = {
        name: spec.name,
        // A copy: the caller may reuse its objects; the record shows what was launched.
        spec: { ...spec, argv: [...spec.argv], env: { ...spec.env } },
        ...(pid === undefined ? {} : { pid }),
        createdAt: this.#now().toISOString(),
        seq: this.launched.length,
        alive: true,
        output: "",
        keys: [],
      };
      this.launched.push(session);
      this.#sessions.set(spec.name, session);
      for (const waiter of [...this.#waiters]) {
        if (!waiter.match(session)) continue;
        this.#waiters.delete(waiter);
        waiter.resolve(session);
      }
      return pid === undefined ? {} : { pid };
    });
  }

  isAlive(name: string): Promise<boolean> {
    return settle(() => {
      assertSessionName(name);
      return this.#sessions.get(name)?.alive === true;
    });
  }

  /** Ends a live session as a hang-up would (signal SIGTERM, reported where exits are) and forgets it. */
  kill(name: string): Promise<void> {
    return settle(() => {
      assertSessionName(name);
      this.killed.push(name);
      const session = this.#sessions.get(name);
      if (session === undefined) return;
      this.#sessions.delete(name);
      if (session.alive) this.#end(session, null, "SIGTERM", "kill");
    });
  }

  /**
   * Live sessions; as "process", also ended ones until they are killed (a restarted daemon
   * learns of the crash); as "tmux", an ended session is gone (remain-on-exit is off).
   */
  list(): Promise<SessionInfo[]> {
    return settle(() =>
      [...this.#sessions.values()].map((s) => ({
        name: s.name,
        alive: s.alive,
        ...(s.pid === undefined ? {} : { pid: s.pid }),
        createdAt: s.createdAt,
      })),
    );
  }

  capture(name: string, lines = DEFAULT_CAPTURE_LINES): Promise<string> {
    return settle(() => {
      assertSessionName(name);
      assertLines(lines);
      const session = this.#sessions.get(name);
      if (session === undefined) throw sessionNotFound(name);
      return lastLines(session.output, lines);
    });
  }

  sendKeys(name: string, keys: readonly string[]): Promise<void> {
    return settle(() => {
      assertSessionName(name);
      if (this.kind === "process") throw noInput(name);
      const session = this.#sessions.get(name);
      if (session?.alive !== true) throw sessionNotFound(name);
      session.keys.push([...keys]);
    });
  }

  /** Nothing to attach to: there is no terminal, whichever backend this one stands for. */
  attachCommand(name: string): undefined {
    assertSessionName(name);
    return undefined;
  }

  onExit(listener: ExitListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  release(): Promise<void> {
    this.released++;
    return Promise.resolve();
  }

  // ---- Handles for the test ----

  /** The latest launch of `name` still known to the backend (see list()), if any. */
  session(name: string): MemorySession | undefined {
    return this.#sessions.get(name);
  }

  /** Names of the sessions alive now, in launch order. */
  alive(): string[] {
    return [...this.#sessions.values()].filter((s) => s.alive).map((s) => s.name);
  }

  /**
   * The session's program ends by itself (exit code, or a signal with code null): it is no
   * longer alive (listed or not as list() says), and onExit listeners hear it before this returns
   * (where exits are reported). Throws if no such session is alive: a test that ends a session
   * twice has lost track of it.
   */
  exit(name: string, code: number | null = 0, signal: string | null = null): void {
    const session = this.#sessions.get(name);
    if (session?.alive !== true) {
      throw new Error(`memory backend: no live session ${name} to end`);
    }
    this.#end(session, code, signal, "exit");
  }

  /** Appends text to what `capture` shows for the session (its pane, or its log). */
  output(name: string, text: string): void {
    const session = this.#sessions.get(name);
    if (session === undefined) throw new Error(`memory backend: no session ${name}`);
    session.output += text;
  }

  /** Resolves with the next launch from now on (optionally only one named `name`). */
  nextLaunch(name?: string, options: WaitOptions = {}): Promise<MemorySession> {
    return this.#wait((s) => name === undefined || s.name === name, options, "the next launch");
  }

  /**
   * Resolves with the first launch of `name` at or after launch number `since` (default: any
   * launch so far), at once if there is one: no race with a launch that already happened.
   */
  waitForLaunch(name: string, since = 0, options: WaitOptions = {}): Promise<MemorySession> {
    const match = (s: MemorySession) => s.name === name && s.seq >= since;
    const done = this.launched.find(match);
    if (done !== undefined) return Promise.resolve(done);
    return this.#wait(match, options, `a launch of ${name}`);
  }

  #wait(
    match: (session: MemorySession) => boolean,
    options: WaitOptions,
    what: string,
  ): Promise<MemorySession> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const waiter: LaunchWaiter = {
        match,
        resolve: (session) => {
          realClearTimeout(timer);
          resolve(session);
        },
      };
      const timer = realSetTimeout(() => {
        this.#waiters.delete(waiter);
        const names = this.launched.map((s) => s.name).join(", ") || "none";
        reject(new Error(`memory backend: no ${what} within ${timeoutMs} ms (launched: ${names})`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  #end(
    session: MemorySession,
    code: number | null,
    signal: string | null,
    by: "exit" | "kill",
  ): void {
    session.alive = false;
    session.ended = { code, signal, by };
    if (this.kind === "tmux") this.#sessions.delete(session.name);
    if (!this.#reportsExits) return;
    for (const listener of [...this.#listeners]) listener(session.name, code, signal);
  }
}

function noInput(name: string): FluxError {
  return new FluxError(
    "SESSION_NO_INPUT",
    `session ${name} runs without a terminal: it cannot take keys`,
    {
      hint: "install tmux and use the tmux session backend to type into sessions",
      exitCode: ExitCode.refused,
      data: { name },
    },
  );
}

/** Synchronous work behind the async interface: a throw becomes a rejection, as in the real ones. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rethrown as caught
    return Promise.reject(error);
  }
}
