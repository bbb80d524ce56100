/**
 * The CLI's side of the daemon: find it (`.work/daemon.json`), start it detached when needed,
 * call its API with the right token, follow its event stream. Inside a session the token is
 * the session's own (`FLUX_SESSION_TOKEN`), never the admin token.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { ExitCode, FluxError } from "../core/errors.ts";
import type { DaemonInfo } from "../server/daemon-file.ts";
import { daemonFile, readDaemonInfo } from "../server/daemon-file.ts";
import type { WorkPaths } from "../store/paths.ts";
import type { Env } from "./context.ts";

export interface DaemonClient {
  info: DaemonInfo;
  token: string;
  request<T>(
    method: "GET" | "POST",
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T>;
  /** Streams NDJSON lines of a response. */
  stream(
    method: "GET" | "POST",
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): AsyncGenerator<Record<string, unknown>>;
}

function tokenFor(info: DaemonInfo, env: Env): string {
  const session = env.FLUX_SESSION_TOKEN;
  return session !== undefined && session !== "" ? session : info.token;
}

async function call(
  info: DaemonInfo,
  token: string,
  method: string,
  route: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${info.url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal?.aborted === true) throw error;
    throw new FluxError("DAEMON_UNREACHABLE", `the Flux daemon at ${info.url} does not answer`, {
      hint: "`flux daemon status` checks it; `flux run` starts a new one",
      exitCode: ExitCode.environment,
      cause: error,
    });
  }
  if (!response.ok) {
    const data = (await response.json().catch(() => ({}))) as {
      error?: { code?: string; message?: string; hint?: string };
    };
    const e = data.error ?? {};
    const exit = exitCodeOf(response.status);
    throw FluxError.fromWire(e, {
      status: response.status,
      message: `${method} ${route} failed with ${response.status}`,
      exitCode: exit,
    });
  }
  return response;
}

export function clientFor(info: DaemonInfo, env: Env): DaemonClient {
  const token = tokenFor(info, env);
  return {
    info,
    token,
    async request<T>(
      method: "GET" | "POST",
      route: string,
      body?: unknown,
      signal?: AbortSignal,
    ): Promise<T> {
      const response = await call(info, token, method, route, body, signal);
      return (await response.json()) as T;
    },
    async *stream(method, route, body, signal) {
      const response = await openStream(info, token, method, route, body, signal);
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of response as AsyncIterable<Buffer>) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline = buffer.indexOf("\n");
        while (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line.trim() !== "") yield JSON.parse(line) as Record<string, unknown>;
          newline = buffer.indexOf("\n");
        }
      }
    },
  };
}

/**
 * A streaming request over node:http rather than fetch: fetch ends a body that is quiet for
 * 5 minutes, and an event stream is quiet for as long as the agents work.
 */
function openStream(
  info: DaemonInfo,
  token: string,
  method: string,
  route: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${info.url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      signal,
    });
    request.on("error", (error) => {
      if (signal?.aborted === true) reject(error);
      else
        reject(
          new FluxError("DAEMON_UNREACHABLE", `the Flux daemon at ${info.url} does not answer`, {
            hint: "`flux daemon status` checks it; `flux run` starts a new one",
            exitCode: ExitCode.environment,
            cause: error,
          }),
        );
    });
    request.on("response", (response) => {
      if ((response.statusCode ?? 500) < 400) {
        resolve(response);
        return;
      }
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const status = response.statusCode ?? 500;
        let e: { code?: string; message?: string; hint?: string } = {};
        try {
          e =
            (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { error?: typeof e }).error ??
            {};
        } catch {
          // Not JSON: the status says enough.
        }
        reject(
          FluxError.fromWire(e, {
            status,
            message: `${method} ${route} failed with ${status}`,
            exitCode: exitCodeOf(status),
          }),
        );
      });
    });
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function exitCodeOf(status: number): ExitCode {
  if (status === 404) return ExitCode.notFound;
  if (status === 400) return ExitCode.usage;
  if (status === 422) return ExitCode.invalidPlan;
  if (status >= 500) return ExitCode.internal;
  return ExitCode.refused;
}

/** The running daemon, or undefined (a stale daemon.json counts as none). */
export async function connectDaemon(paths: WorkPaths, env: Env): Promise<DaemonClient | undefined> {
  const info = readDaemonInfo(paths.work);
  if (info === undefined) return undefined;
  const client = clientFor(info, env);
  try {
    await client.request("GET", "/v1/health");
    return client;
  } catch (error) {
    if (error instanceof FluxError && error.code === "DAEMON_UNREACHABLE") return undefined;
    throw error;
  }
}

export async function requireDaemon(paths: WorkPaths, env: Env): Promise<DaemonClient> {
  const client = await connectDaemon(paths, env);
  if (client === undefined) {
    throw new FluxError("DAEMON_NOT_RUNNING", "the Flux daemon is not running", {
      hint: "`flux run` starts it (or `flux daemon start -d`)",
      exitCode: ExitCode.environment,
    });
  }
  return client;
}

/** Starts the daemon detached (output to .work/logs/daemon.log) and waits until it answers. */
export async function ensureDaemon(
  paths: WorkPaths,
  env: Env,
  fluxBin: string,
  timeoutMs = 20_000,
): Promise<DaemonClient> {
  const running = await connectDaemon(paths, env);
  if (running !== undefined) return running;
  const logs = path.join(paths.work, "logs");
  fs.mkdirSync(logs, { recursive: true });
  const out = fs.openSync(path.join(logs, "daemon.log"), "a");
  const child = spawn(process.execPath, [fluxBin, "daemon", "start"], {
    cwd: paths.root,
    env: env,
    detached: true,
    stdio: ["ignore", out, out],
  });
  child.unref();
  fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  // Wait for daemon.json to change (an inotify wake-up, not a polling loop), then for an answer.
  const watcher = watchFile(paths.work, path.basename(daemonFile(paths.work)));
  const deadline = Date.now() + timeoutMs;
  let childLost = false;
  try {
    while (Date.now() < deadline) {
      // Any daemon that answers will do: another `flux run` may have won the race.
      const client = await connectDaemon(paths, env);
      if (client !== undefined) return client;
      const wakeUp = watcher.next(deadline - Date.now());
      const code: number | null | "changed" | "timeout" = await (childLost
        ? wakeUp
        : Promise.race([exited, wakeUp]));
      if (code === "changed" || code === "timeout" || childLost) continue;
      // Our daemon lost the lock to another one (exit 4): that one is starting; wait for it.
      childLost = code === ExitCode.refused;
      if (childLost) continue;
      const other = await connectDaemon(paths, env);
      if (other !== undefined) return other;
      throw new FluxError("DAEMON_START_FAILED", `the daemon exited with ${code} while starting`, {
        hint: `see ${path.join(logs, "daemon.log")}`,
        exitCode: ExitCode.environment,
      });
    }
  } finally {
    watcher.close();
  }
  throw new FluxError("DAEMON_START_FAILED", "the daemon did not answer in time", {
    hint: `see ${path.join(logs, "daemon.log")}`,
    exitCode: ExitCode.environment,
  });
}

/**
 * Wake-ups when `name` in `dir` is written or renamed. `next` resolves on the next one (or at
 * the timeout); an unresolved `next` is handed out again, so no timer is left behind.
 */
function watchFile(
  dir: string,
  name: string,
): { next(ms: number): Promise<"changed" | "timeout">; close(): void } {
  let pending = false;
  let waiting:
    | { promise: Promise<"changed" | "timeout">; finish(how: "changed" | "timeout"): void }
    | undefined;
  let timer: NodeJS.Timeout | undefined;
  const watcher = fs.watch(dir, (_event, changed) => {
    if (changed !== null && changed !== name) return;
    if (waiting === undefined) pending = true;
    else waiting.finish("changed");
  });
  return {
    next(ms) {
      if (pending) {
        pending = false;
        return Promise.resolve("changed");
      }
      if (waiting !== undefined) return waiting.promise;
      let resolve: (how: "changed" | "timeout") => void = () => undefined;
      const promise = new Promise<"changed" | "timeout">((r) => (resolve = r));
      const finish = (how: "changed" | "timeout") => {
        clearTimeout(timer);
        waiting = undefined;
        resolve(how);
      };
      waiting = { promise, finish };
      timer = setTimeout(() => finish("timeout"), Math.max(0, ms));
      return promise;
    },
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

/**
 * Tells a running daemon that this process changed state (no daemon: nothing to do);
 * `{sessions: true}`: a session closed, look at which are still alive.
 */
export async function notifyDaemon(
  paths: WorkPaths,
  env: Env,
  body?: { sessions: true },
): Promise<void> {
  const info = readDaemonInfo(paths.work);
  if (info === undefined) return;
  try {
    await clientFor(info, env).request("POST", "/v1/notify", body);
  } catch (error) {
    if (!(error instanceof FluxError && error.code === "DAEMON_UNREACHABLE")) throw error;
  }
}
