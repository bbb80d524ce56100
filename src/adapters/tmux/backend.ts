/**
 * Sessions in tmux: one server per repository (`-L <socket>`), one session per stage run, so a
 * human can attach to any of them.
 *
 * Environment: tmux gives a session the *server's* environment — that of the client that
 * started the server — plus the `-e` variables. The first call of this backend usually starts
 * the server, with `env` below; a server that was already running keeps the environment it
 * started with. Anything a session must have goes in `spec.env` (or, for the runner, in its
 * spec file), never relies on the server's.
 */
import fs from "node:fs";
import path from "node:path";
import { FluxError } from "../../core/errors.ts";
import {
  DEFAULT_CAPTURE_LINES,
  SESSION_NAME,
  assertLines,
  assertSessionName,
  lastLines,
  sessionExists,
  sessionNotFound,
  validateStart,
} from "../sessions/backend.ts";
import type {
  AttachCommand,
  SessionBackend,
  SessionInfo,
  StartSession,
} from "../sessions/backend.ts";
import {
  LIST_FORMAT,
  captureCommand,
  newSessionCommand,
  parseSessionList,
  sendKeysCommands,
  sessionTarget,
} from "./commands.ts";
import { TmuxError, execTmux, isNoServer, isNotFound } from "./tmux.ts";
import type { TmuxResult } from "./tmux.ts";

export interface TmuxBackendOptions {
  /** The server's socket name (`-L`): one per repository, e.g. `flux-<hash of the repo root>`. */
  socket: string;
  /**
   * Config file for a server this backend starts (`-f`). Default: tmux's own (~/.tmux.conf),
   * so a human who attaches keeps their key bindings. Tests pass /dev/null.
   */
  configFile?: string;
  /** Environment of the tmux clients, hence of a server they start. Default: process.env when constructed. */
  env?: NodeJS.ProcessEnv;
  /** The tmux executable. Default "tmux". */
  tmuxBin?: string;
  /** Size of a new session's window in cells, until a human attaches. Default 200×50. */
  width?: number;
  height?: number;
  /**
   * An executable tmux runs (in the background, no arguments) whenever a session on this
   * server closes: how the daemon hears of a runner that died without reporting.
   */
  onSessionClosed?: string;
}

export class TmuxBackend implements SessionBackend {
  readonly kind = "tmux" as const;
  readonly socket: string;
  readonly #bin: string;
  readonly #globalArgs: string[];
  readonly #env: NodeJS.ProcessEnv;
  readonly #size: { width: number; height: number };
  readonly #onClosed: string | undefined;

  constructor(options: TmuxBackendOptions) {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(options.socket)) {
      throw new FluxError("INVALID_TMUX_SOCKET", `invalid tmux socket name "${options.socket}"`, {
        hint: "socket names are letters, digits, '.', '_' and '-' (a name, not a path)",
      });
    }
    this.socket = options.socket;
    this.#bin = options.tmuxBin ?? "tmux";
    this.#globalArgs = [
      "-L",
      options.socket,
      ...(options.configFile === undefined ? [] : ["-f", options.configFile]),
    ];
    this.#env = withoutTmux(options.env ?? process.env);
    this.#size = { width: options.width ?? 200, height: options.height ?? 50 };
    this.#onClosed = options.onSessionClosed;
  }

  async start(spec: StartSession): Promise<{ pid?: number }> {
    validateStart(spec);
    const command = newSessionCommand(spec, this.#size, this.#onClosed);
    let result = await this.#run(command);
    // A server whose last session just ended is on its way out: tmux refuses new sessions
    // while it exits ("server exited unexpectedly"). A new server starts on the next try.
    for (
      let attempt = 0;
      attempt < 5 && result.status !== 0 && /server exited unexpectedly/.test(result.stderr);
      attempt++
    ) {
      result = await this.#run(command);
    }
    if (result.status !== 0) {
      if (/duplicate session/.test(result.stderr)) throw sessionExists(spec.name);
      throw new TmuxError(command, result.status, result.stderr);
    }
    const pid = Number(result.stdout.trim());
    return Number.isInteger(pid) && pid > 0 ? { pid } : {};
  }

  async isAlive(name: string): Promise<boolean> {
    assertSessionName(name);
    const command = ["has-session", "-t", sessionTarget(name)];
    const result = await this.#run(command);
    if (result.status === 0) return true;
    if (isNoServer(result.stderr) || isNotFound(result.stderr)) return false;
    throw new TmuxError(command, result.status, result.stderr);
  }

  async kill(name: string): Promise<void> {
    assertSessionName(name);
    // tmux hangs up the pane (SIGHUP to its process group) and removes the session.
    const command = ["kill-session", "-t", sessionTarget(name)];
    const result = await this.#run(command);
    if (result.status === 0 || isNoServer(result.stderr) || isNotFound(result.stderr)) return;
    throw new TmuxError(command, result.status, result.stderr);
  }

  async list(): Promise<SessionInfo[]> {
    const command = ["list-sessions", "-F", LIST_FORMAT];
    const result = await this.#run(command);
    if (result.status !== 0) {
      if (isNoServer(result.stderr)) return [];
      throw new TmuxError(command, result.status, result.stderr);
    }
    return parseSessionList(result.stdout, (name) => SESSION_NAME.test(name));
  }

  async capture(name: string, lines = DEFAULT_CAPTURE_LINES): Promise<string> {
    assertSessionName(name);
    assertLines(lines);
    const command = captureCommand(name, lines);
    const result = await this.#run(command);
    if (result.status !== 0) {
      if (isNoServer(result.stderr) || isNotFound(result.stderr)) throw sessionNotFound(name);
      throw new TmuxError(command, result.status, result.stderr);
    }
    return lastLines(result.stdout, lines);
  }

  async sendKeys(name: string, keys: readonly string[]): Promise<void> {
    assertSessionName(name);
    // Calls run one after another: together they are one ordered stream of keys.
    for (const command of sendKeysCommands(name, keys)) {
      const result = await this.#run(command);
      if (result.status === 0) continue;
      if (isNoServer(result.stderr) || isNotFound(result.stderr)) throw sessionNotFound(name);
      throw new TmuxError(command, result.status, result.stderr);
    }
  }

  attachCommand(name: string): AttachCommand {
    assertSessionName(name);
    return {
      command: this.#bin,
      args: ["-L", this.socket, "attach-session", "-t", sessionTarget(name)],
      // Inside the user's own tmux, TMUX makes tmux refuse to nest ("sessions should be nested
      // with care"); attaching to a different server is exactly what the user asked for.
      env: this.#env,
    };
  }

  /** tmux cannot tell: the runner inside the pane reports its own exit. */
  onExit(): () => void {
    return () => {};
  }

  /**
   * Ends the server when no session of any kind is left on it: with a session-closed hook it
   * does not exit by itself. A server with sessions stays (the next daemon re-adopts them).
   */
  async release(): Promise<void> {
    const listed = await this.#run(["list-sessions", "-F", "#{session_name}"]);
    if (listed.status !== 0 || listed.stdout.trim() !== "") return;
    await this.#run(["kill-server"]);
    // tmux leaves its socket file (and the lock of a server start) behind.
    const uid = process.getuid?.() ?? 0;
    const socket = path.join(this.#env.TMUX_TMPDIR ?? "/tmp", `tmux-${uid}`, this.socket);
    for (const file of [socket, `${socket}.lock`]) fs.rmSync(file, { force: true });
  }

  #run(command: readonly string[]): Promise<TmuxResult> {
    return execTmux(this.#bin, [...this.#globalArgs, ...command], this.#env);
  }
}

/**
 * The environment without TMUX and TMUX_PANE: they describe the tmux the user may be sitting in,
 * not Flux's server, and would otherwise leak into a server Flux starts.
 */
function withoutTmux(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { TMUX: _tmux, TMUX_PANE: _pane, ...rest } = env;
  return rest;
}
