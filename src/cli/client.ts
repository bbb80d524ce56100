/**
 * The CLI's side of the daemon: find it (`.work/daemon.json`), start it detached when needed,
 * call its API with the right token, follow its event stream. Inside a session the token is
 * the session's own (`FLUX_SESSION_TOKEN`), never the admin token.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import {
  ExitCode,
  FluxError,
  daemonStartFailed,
  daemonGone,
  daemonUnreachable,
  sessionNotFound,
  stageIdInvalid,
  type WireFallback,
} from "../core/errors.ts";
import { isStageId } from "../core/stage/id.ts";
import type { DaemonInfo } from "../server/daemon-file.ts";
import { daemonFile, readDaemonInfo } from "../server/daemon-file.ts";
// Runtime: methods and paths only (no zod). Types: from the route table, erased at run time.
import type { JsonRouteName, RouteName, StreamRouteName } from "../server/api/spec.ts";
import { ROUTES, fillPath } from "../server/api/spec.ts";
import type { ApiErrorLine, ApiInput, ApiLine, ApiReply } from "../server/api/types.ts";
import type { WorkPaths } from "../store/paths.ts";
import type { Env } from "./context.ts";

export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** A route's input, optional when the route needs none. */
type CallArgs<N extends RouteName> =
  object extends ApiInput<N>
    ? [input?: ApiInput<N>, options?: CallOptions]
    : [input: ApiInput<N>, options?: CallOptions];

export interface DaemonClient {
  info: DaemonInfo;
  token: string;
  /** Calls a route that answers one JSON body: `client.call("mergeStage", {params: {id}})`. */
  call<N extends JsonRouteName>(name: N, ...args: CallArgs<N>): Promise<ApiReply<N>>;
  /**
   * The lines of a route that answers an NDJSON stream. An error line (the stream failed after
   * it started) is thrown as the daemon's FluxError, like an error reply.
   */
  stream<N extends StreamRouteName>(name: N, ...args: CallArgs<N>): AsyncGenerator<ApiLine<N>>;
}

/** The input of any route, as the wire sees it. */
interface WireInput {
  params?: Record<string, string>;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

function tokenFor(info: DaemonInfo, env: Env): string {
  const session = env.FLUX_SESSION_TOKEN;
  return session !== undefined && session !== "" ? session : info.token;
}

/** Method, URL, headers and body of a call to `name`. */
function requestOf(info: DaemonInfo, token: string, name: RouteName, input: WireInput) {
  const route = ROUTES[name];
  // Ids from the command line are checked before any request (they are encoded too): a stage
  // id like `../../v1/shutdown?` never reaches another route.
  const id = input.params?.id;
  if (id !== undefined && route.path.startsWith("/v1/stages/") && !isStageId(id))
    throw stageIdInvalid(id);
  if (id !== undefined && route.path.startsWith("/v1/sessions/") && !/^ses_[a-z0-9]+$/.test(id))
    throw sessionNotFound(id);
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(input.query ?? {}))
    if (value !== undefined) query.set(key, value);
  const search = query.size === 0 ? "" : `?${query.toString()}`;
  const method = route.method.toUpperCase();
  // Every POST sends a JSON object: the daemon reads an empty one as `{}`.
  const body = method === "POST" ? JSON.stringify(input.body ?? {}) : undefined;
  return {
    method,
    url: `${info.url}${fillPath(route.path, input.params)}${search}`,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body,
    what: `${method} ${route.path}`,
  };
}

function isExitCode(value: unknown): value is ExitCode {
  return (Object.values(ExitCode) as unknown[]).includes(value);
}

/**
 * The one decoder of the daemon's errors — an error reply's `error`, or an error line's: the
 * daemon's own code, message, hint and data, and the exit code it meant (a known code's exit
 * code from the catalogue otherwise, or the fallback's for a reply that carries no body).
 */
export function decodeError(wire: unknown, fallback: WireFallback): FluxError {
  const { exitCode, ...fields } =
    typeof wire === "object" && wire !== null ? (wire as Record<string, unknown>) : {};
  const decoded = FluxError.fromWire(fields, fallback);
  if (!isExitCode(exitCode) || exitCode === decoded.exitCode) return decoded;
  return new FluxError(decoded.code, decoded.message, {
    hint: decoded.hint,
    exitCode,
    data: decoded.data,
  });
}

/** The exit code a failed reply without a usable body means, by its status. */
function exitCodeOf(status: number): ExitCode {
  if (status === 404) return ExitCode.notFound;
  if (status === 400 || status === 413) return ExitCode.usage;
  if (status === 422) return ExitCode.invalidPlan;
  if (status === 503) return ExitCode.environment;
  if (status >= 500) return ExitCode.internal;
  return ExitCode.refused;
}

function replyError(status: number, text: string, what: string): FluxError {
  let error: unknown;
  try {
    error = (JSON.parse(text) as { error?: unknown }).error;
  } catch {
    // Not JSON: the status says enough.
  }
  return decodeError(error, {
    status,
    message: `${what} failed with ${status}`,
    exitCode: exitCodeOf(status),
  });
}

export function clientFor(info: DaemonInfo, env: Env): DaemonClient {
  const token = tokenFor(info, env);
  return {
    info,
    token,
    async call<N extends JsonRouteName>(name: N, ...args: CallArgs<N>): Promise<ApiReply<N>> {
      const [input, options] = args;
      const request = requestOf(info, token, name, input ?? {});
      let response: Response;
      try {
        response = await fetch(request.url, { ...request, signal: options?.signal });
      } catch (error) {
        if (options?.signal?.aborted === true) throw error;
        throw daemonUnreachable(info.url, error);
      }
      const text = await response.text();
      if (!response.ok) throw replyError(response.status, text, request.what);
      // The wire carries what the route table says this route answers.
      return JSON.parse(text) as ApiReply<N>;
    },
    async *stream<N extends StreamRouteName>(
      name: N,
      ...args: CallArgs<N>
    ): AsyncGenerator<ApiLine<N>> {
      const [input, options] = args;
      const request = requestOf(info, token, name, input ?? {});
      const response = await openStream(info, request, options?.signal);
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of untilGone(response, name, options?.signal)) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline = buffer.indexOf("\n");
        while (newline >= 0) {
          const text = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf("\n");
          if (text.trim() === "") continue;
          // The wire carries the route's lines, or the error line that ends a failed stream.
          const line = JSON.parse(text) as ApiLine<N> | ApiErrorLine;
          if (line.type === "error" && "error" in line)
            throw decodeError(line.error, { message: `${request.what} failed` });
          yield line;
        }
      }
    },
  };
}

/**
 * The chunks of a streamed reply; a connection the daemon dropped (it stopped or was killed)
 * ends as DAEMON_GONE, never as the socket's raw "aborted".
 */
async function* untilGone(
  response: http.IncomingMessage,
  route: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    if (signal?.aborted === true) throw error;
    throw daemonGone(route === "events" ? "events" : "answer");
  }
}

/**
 * A streaming request over node:http rather than fetch: fetch ends a body that is quiet for
 * 5 minutes, and an event stream is quiet for as long as the agents work.
 */
function openStream(
  info: DaemonInfo,
  request: ReturnType<typeof requestOf>,
  signal?: AbortSignal,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(request.url, {
      method: request.method,
      headers: request.headers,
      signal,
    });
    outgoing.on("error", (error) => {
      if (signal?.aborted === true) reject(error);
      else reject(daemonUnreachable(info.url, error));
    });
    outgoing.on("response", (response) => {
      const status = response.statusCode ?? 500;
      if (status < 400) {
        resolve(response);
        return;
      }
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        reject(replyError(status, Buffer.concat(chunks).toString("utf8"), request.what)),
      );
    });
    outgoing.end(request.body);
  });
}

/** The running daemon, or undefined (a stale daemon.json counts as none). */
export async function connectDaemon(paths: WorkPaths, env: Env): Promise<DaemonClient | undefined> {
  const info = readDaemonInfo(paths.work);
  if (info === undefined) return undefined;
  const client = clientFor(info, env);
  try {
    await client.call("health");
    return client;
  } catch (error) {
    if (error instanceof FluxError && error.code === "DAEMON_UNREACHABLE") return undefined;
    throw error;
  }
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
      throw daemonStartFailed(`exited with ${code} while starting`, path.join(logs, "daemon.log"));
    }
  } finally {
    watcher.close();
  }
  throw daemonStartFailed("did not answer in time", path.join(logs, "daemon.log"));
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
    await clientFor(info, env).call("notify", { body: body ?? {} });
  } catch (error) {
    if (!(error instanceof FluxError && error.code === "DAEMON_UNREACHABLE")) throw error;
  }
}
