/**
 * The daemon: the one engine host of a repository (DESIGN.md §3). It takes the repository's
 * lock, serves the HTTP API on 127.0.0.1 with a fresh admin token (0600, in the per-user state
 * directory that `.work/daemon.json` names — never under `.work/`), runs the engine, streams
 * events, and exits after an idle period with nothing running or ready. `flux run --foreground`
 * hosts the same thing in the CLI's process.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { getRequestListener } from "@hono/node-server";
import { chooseBackend } from "../adapters/sessions/index.ts";
import type { SessionBackend } from "../adapters/sessions/backend.ts";
import { ExitCode, FluxError, badRequest } from "../core/errors.ts";
import { Engine } from "../engine/engine.ts";
import type { EngineOptions } from "../engine/engine.ts";
import type { WorkPaths } from "../store/paths.ts";
import { ensureWorkDir } from "../store/paths.ts";
import { stateDirFor } from "../store/state-dir.ts";
import { Store } from "../store/store.ts";
import { writeAtomic } from "../store/fs.ts";
import { shellQuote } from "../core/shell.ts";
import { buildApp } from "./app.ts";
import { removeDaemonInfo, writeDaemonInfo } from "./daemon-file.ts";
import { errorResponse } from "./errors.ts";
import { eventFeed } from "./event-feed.ts";
import { forgetNotifications, startNotifier } from "./notify.ts";
import { tryDaemonLock } from "./lock.ts";
import { startBackups } from "./backups.ts";
import { injectFaults, loadFaults } from "./faults.ts";

/** How long an idle client connection stays open: past a heartbeat period and then some. */
const KEEP_ALIVE_MS = 2 * 60_000;

/** The engine's settings the daemon passes on as they are (engine/options.ts says what each is). */
type EngineSettings = Pick<
  EngineOptions,
  | "promptDir"
  | "stopReminders"
  | "context"
  | "handoffSteps"
  | "handoffTimeoutMs"
  | "limits"
  | "health"
  | "predictIntervalMs"
  | "remote"
  | "prPollMs"
>;

export interface DaemonOptions extends EngineSettings {
  paths: WorkPaths;
  fluxBin: string;
  version: string;
  env: NodeJS.ProcessEnv;
  maxParallel: number;
  /** Exit after this long with nothing running or ready; 0 never. */
  idleTimeoutMs: number;
  backend: "auto" | "tmux" | "process";
  /** `[notify]`: the command run when a human is needed, and its timeout (server/notify.ts). */
  notify?: { command: string; timeoutMs: number } | undefined;
  /** `[backup]`: online backups now and every `intervalMs` (0: none), `keep` kept; none when undefined. */
  backup?: { intervalMs: number; keep: number } | undefined;
  log?: (line: string) => void;
}

export interface DaemonHandle {
  url: string;
  token: string;
  engine: Engine;
  /** Resolves when the daemon has stopped (shutdown, idle, or stop()). */
  closed: Promise<void>;
  stop(): Promise<void>;
}

/** tmux server name of a repository: one per repository (DESIGN.md §3). */
export function tmuxSocketName(root: string): string {
  return `flux-${createHash("sha256").update(root).digest("hex").slice(0, 12)}`;
}

export async function startDaemon(options: DaemonOptions): Promise<DaemonHandle> {
  const { paths } = options;
  const log = options.log ?? (() => undefined);
  ensureWorkDir(paths);
  const lock = tryDaemonLock(paths.daemonLock);
  if (lock === undefined) {
    throw new FluxError("DAEMON_RUNNING", "a Flux daemon is already running for this repository", {
      hint: "`flux daemon status` shows it; `flux daemon stop` stops it",
      exitCode: ExitCode.refused,
    });
  }
  const store = new Store(paths.db);
  const backend: SessionBackend = chooseBackend({
    preferred: options.backend,
    socket: tmuxSocketName(paths.root),
    stateDir: path.join(paths.work, "sessions", "backend"),
    onSessionClosed: writeSessionClosedScript(paths, options.fluxBin),
  });
  const stateDir = stateDirFor(paths.root, process.env);
  // The crash tests' fault injection (server/faults.ts): off unless they ask for it.
  injectFaults(store, loadFaults(process.env, stateDir), log, stateDir);
  const engine = new Engine({
    store,
    paths,
    backend,
    fluxBin: options.fluxBin,
    env: options.env,
    maxParallel: options.maxParallel,
    promptDir: options.promptDir,
    stopReminders: options.stopReminders,
    context: options.context,
    handoffSteps: options.handoffSteps,
    handoffTimeoutMs: options.handoffTimeoutMs,
    limits: options.limits,
    health: options.health,
    predictIntervalMs: options.predictIntervalMs,
    remote: options.remote,
    prPollMs: options.prPollMs,
    stateDir,
    log,
    // A damaged database: stop instead of failing every pass (the log says why).
    onFatal: () => void stop(),
  });

  const token = randomBytes(32).toString("base64url");
  const feed = eventFeed(engine);
  // [notify]: woken by every event the feed passes on (this process's and other processes').
  const notifier =
    options.notify === undefined
      ? undefined
      : startNotifier({ store, ...options.notify, cwd: paths.root, env: options.env, log });
  if (notifier === undefined) forgetNotifications(store);
  else feed.subscribe(() => notifier.wake());
  // [backup]: one online backup now, then one per interval (server/backups.ts).
  const backups = startBackups({
    db: store.db,
    dir: paths.backupsDir,
    intervalMs: options.backup?.intervalMs ?? 0,
    keep: options.backup?.keep ?? 1,
    log,
  });

  let stopping: Promise<void> | undefined;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let idleTimer: NodeJS.Timeout | undefined;
  let port = 0;

  const { app, closeStreams } = buildApp({
    engine,
    version: options.version,
    adminToken: token,
    port: () => port,
    feed,
    shutdown: () => void stop(),
    log,
  });
  const listener = getRequestListener(app.fetch, {
    // Leaves Node's own Request and Response alone (`flux run --foreground` shares the process).
    overrideGlobalObjects: false,
    // A request node-server cannot even turn into a Request (a malformed Host or URL).
    errorHandler: (error) => errorResponse(badRequest(`unreadable request: ${String(error)}`), log),
  });
  // Runners beat every `[health] heartbeat` (30 s) on a connection kept open between beats: a
  // new connection per beat cost the daemon ~6 ms of CPU each, a request on an open one ~0.5 ms
  // (bench/daemon, 50 sessions). Node's default keeps an idle connection 5 s.
  const server = http.createServer(
    { keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: KEEP_ALIVE_MS + 1_000 },
    (req, res) => void listener(req, res),
  );

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearTimeout(idleTimer);
      await engine.stop();
      feed.close();
      await notifier?.stop();
      // Followers see their stream end; the connections they held go with the server.
      closeStreams();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await backend
        .release()
        .catch((error: unknown) => log(`releasing the backend: ${String(error)}`));
      removeDaemonInfo(paths.work, process.pid);
      await backups.stop();
      store.close();
      lock.release();
      log("daemon stopped");
      resolveClosed();
    })();
    return stopping;
  };

  /** The idle clock runs only while nothing can move; any event re-checks it. */
  const checkIdle = () => {
    if (options.idleTimeoutMs <= 0 || stopping !== undefined) return;
    // An open pull request keeps the daemon up: only its reconciler sees it merge.
    if (engine.active() || engine.awaitingPullRequests().length > 0) {
      clearTimeout(idleTimer);
      idleTimer = undefined;
      return;
    }
    idleTimer ??= setTimeout(() => {
      idleTimer = undefined;
      if (!engine.active() && engine.awaitingPullRequests().length === 0) {
        log(`idle for ${options.idleTimeoutMs} ms: exiting`);
        void stop();
      }
    }, options.idleTimeoutMs);
  };
  // Every event, and the end of every pass (a finished task writes no event), re-checks it.
  feed.subscribe(checkIdle, checkIdle);

  port = await listenOn(server, lastPort(stateDir));
  rememberPort(stateDir, port);
  const url = `http://127.0.0.1:${port}`;
  writeDaemonInfo(paths.work, {
    pid: process.pid,
    url,
    token,
    startedAt: new Date().toISOString(),
    version: options.version,
    stateDir,
  });
  log(`daemon ${process.pid} listening on ${url} (${backend.kind} sessions)`);
  await engine.start();
  checkIdle();
  return { url, token, engine, closed, stop };
}

/**
 * `.work/bin/session-closed`: what the repository's tmux server runs whenever one of its
 * sessions closes (`flux daemon poke`), so a runner killed without reporting is noticed at once.
 */
function writeSessionClosedScript(paths: WorkPaths, fluxBin: string): string {
  const file = path.join(paths.work, "bin", "session-closed");
  const content =
    "#!/bin/sh\n# Written by the Flux daemon: tmux runs it when a session of this repository closes.\n" +
    `FLUX_WORK_DIR=${shellQuote(paths.work)} exec ${shellQuote(process.execPath)} ${shellQuote(fluxBin)} daemon poke >/dev/null 2>&1\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeAtomic(file, content, 0o755);
  return file;
}

/** Where the daemon's last port is kept: a restarted daemon takes it again when it is free. */
function portFile(stateDir: string): string {
  return path.join(stateDir, "daemon-port");
}

function lastPort(stateDir: string): number {
  try {
    const port = Number(fs.readFileSync(portFile(stateDir), "utf8").trim());
    return Number.isInteger(port) && port > 0 && port < 65_536 ? port : 0;
  } catch {
    return 0;
  }
}

function rememberPort(stateDir: string, port: number): void {
  try {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeAtomic(portFile(stateDir), `${port}\n`);
  } catch {
    // Only a convenience: the next daemon takes any free port.
  }
}

/**
 * Listens on 127.0.0.1 at `port` — the last daemon's, so a browser tab or a client's address
 * stays good across restarts — or on any free port when that one is taken (or 0).
 */
async function listenOn(server: http.Server, port: number): Promise<number> {
  const attempt = (p: number) =>
    new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => reject(error);
      server.once("error", fail);
      server.listen(p, "127.0.0.1", () => {
        server.off("error", fail);
        resolve();
      });
    });
  try {
    await attempt(port);
  } catch (error) {
    if (port === 0 || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    await attempt(0);
  }
  return (server.address() as AddressInfo).port;
}
