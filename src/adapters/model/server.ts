/**
 * One HTTP server (node:http) that plays the model for all three agent CLIs on one port:
 * Anthropic Messages for Claude Code, OpenAI Responses for Codex, Chat Completions for
 * opencode. Each request is answered from the script, statelessly: the turn is read from the
 * conversation the CLI sends back, so concurrent agents can share a server. The one exception
 * is a scripted `limit`, which remembers when it was first answered (limits.ts).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { anthropic, countTokens } from "./anthropic.ts";
import { chat } from "./chat.ts";
import { jsonInstance } from "./json-instance.ts";
import { Limits } from "./limits.ts";
import { messageFor, textReply } from "./reply.ts";
import { redactHeaders, RequestLog, type LoggedRequest } from "./request-log.ts";
import { responses } from "./responses.ts";
import { parseScript, resolveTurn, type Script, type ScriptInput } from "./script.ts";
import { sendJson } from "./sse.ts";
import { isJson, type RequestView, type WireFormat } from "./wire.ts";

export interface ModelServerOptions {
  script: ScriptInput | Script;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Append every request as one JSON line to this file. */
  log?: string;
  /** The clock (epoch ms) of scripted limits and `${RESET_*}`. Default Date.now. */
  now?: () => number;
}

export interface ModelServer extends AsyncDisposable {
  /** `http://host:port`, no path: Claude's ANTHROPIC_BASE_URL; OpenAI clients add `/v1`. */
  url: string;
  port: number;
  requests(): LoggedRequest[];
  /** The first logged request matching `match`, waiting up to `timeoutMs` (default 10 000). */
  waitForRequest(match: (r: LoggedRequest) => boolean, timeoutMs?: number): Promise<LoggedRequest>;
  /**
   * Validates and swaps the script; requests already being answered keep the old one. The new
   * script's limits start afresh.
   */
  setScript(script: ScriptInput | Script): void;
  close(): Promise<void>;
}

const ROUTES: Record<string, WireFormat> = {
  "/v1/messages": anthropic,
  "/v1/responses": responses,
  "/v1/chat/completions": chat,
};

export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  let script = asScript(options.script);
  const log = new RequestLog(options.log);
  const limits = new Limits();
  const now = options.now ?? Date.now;
  // Aborted by close(): delayed answers stop waiting instead of holding the server open.
  const closing = new AbortController();
  const server = http.createServer((req, res) => {
    handle(req, res, { script, log, limits, now }, closing.signal).catch((error: unknown) => {
      if (closing.signal.aborted) return res.destroy();
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log.add({
        ...entryBase(req, null),
        script: null,
        turn: null,
        api: "unknown",
        response_kind: "internal_error",
        status: 500,
        error: message,
      });
      if (!res.headersSent) sendJson(res, 500, { error: { type: "api_error", message } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve, reject) => {
      closing.abort();
      server.close((error) => (error === undefined ? resolve() : reject(error)));
      server.closeAllConnections();
    }));
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    requests: () => log.all(),
    waitForRequest: (match, timeoutMs = 10_000) => log.waitFor(match, timeoutMs),
    setScript: (next) => {
      script = asScript(next);
      limits.clear();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

interface ServerState {
  script: Script;
  log: RequestLog;
  limits: Limits;
  now: () => number;
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  { script, log, limits, now }: ServerState,
  signal: AbortSignal,
): Promise<void> {
  const raw = await readBody(req);
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const body = parseBody(raw);
  const base = entryBase(req, body.value);
  const outside = { script: null, turn: null };
  if ((req.method === "HEAD" || req.method === "GET") && path === "/") {
    log.add({ ...base, ...outside, api: "probe", response_kind: "probe", status: 200 });
    res.writeHead(200).end();
    return;
  }
  const wire = req.method === "POST" ? ROUTES[path] : undefined;
  const isCount = req.method === "POST" && path === "/v1/messages/count_tokens";
  if (wire === undefined && !isCount) {
    log.add({ ...base, ...outside, api: "unknown", response_kind: "not_found", status: 404 });
    sendJson(res, 404, {
      type: "error",
      error: { type: "not_found_error", message: `no route ${req.method} ${path}` },
    });
    return;
  }
  if (!isJson(body.value)) {
    const error = body.error ?? "the body is not a JSON object";
    log.add({
      ...base,
      ...outside,
      api: wire?.dialect ?? "count_tokens",
      response_kind: "bad_request",
      status: 400,
      error,
    });
    sendJson(res, 400, { type: "error", error: { type: "invalid_request_error", message: error } });
    return;
  }
  if (wire === undefined) {
    log.add({
      ...base,
      ...outside,
      api: "count_tokens",
      response_kind: "count_tokens",
      status: 200,
    });
    countTokens(res, raw.length);
    return;
  }
  const view = wire.view(body.value, req.headers);
  const entry = { ...base, api: wire.dialect };
  if (view.side !== undefined) {
    log.add({ ...entry, ...outside, response_kind: view.side.kind, status: 200 });
    wire.send(res, textReply(sideText(view, script, wire), raw.length), view);
    return;
  }
  const resolved = resolveTurn(script, view.conversation);
  if (!resolved.ok) {
    const error = resolved.message;
    log.add({
      ...entry,
      script: resolved.script,
      turn: view.conversation.turn,
      response_kind: "script_error",
      status: 400,
      error,
    });
    wire.sendError(res, { status: 400, type: "invalid_request_error", message: error });
    return;
  }
  const { turn } = resolved;
  // Decided on arrival: a limit's window and the `${RESET_*}` values do not wait for delay_ms.
  const error = limits.errorFor(turn, { script: resolved.script, index: resolved.index }, now());
  const limited = error !== undefined && turn.limit !== undefined;
  log.add({
    ...entry,
    script: resolved.script,
    turn: resolved.index,
    response_kind: limited ? "limit" : resolved.kind,
    status: error?.status ?? 200,
  });
  if (turn.delay_ms !== undefined) await sleep(turn.delay_ms, undefined, { signal });
  if (error !== undefined) return wire.sendError(res, error);
  const context = { cwd: view.conversation.cwd, tools: view.tools, requestBytes: raw.length };
  wire.send(res, messageFor(turn, wire.dialect, context), view);
}

function sideText(view: RequestView, script: Script, wire: WireFormat): string {
  const side = view.side;
  if (side?.kind === "compact")
    // Claude Code keeps what is inside <summary>; the others take the text as it is.
    return wire.dialect === "anthropic"
      ? `<analysis>Scripted compaction.</analysis>\n<summary>\n${script.compact}\n</summary>`
      : script.compact;
  if (side !== undefined && "schema" in side && side.schema !== undefined)
    return JSON.stringify(jsonInstance(side.schema));
  return side?.kind === "title" ? "Scripted session" : "OK.";
}

function entryBase(req: http.IncomingMessage, body: unknown) {
  return {
    ts: new Date().toISOString(),
    method: req.method ?? "GET",
    path: req.url ?? "/",
    headers: redactHeaders(req.headers),
    body,
  };
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseBody(raw: Buffer): { value: unknown; error?: string } {
  if (raw.length === 0) return { value: null };
  const text = raw.toString("utf8");
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { value: text, error: `the body is not JSON: ${error.message}` };
  }
}

/** A script loaded with `loadScript` is already validated; anything else is parsed here. */
function asScript(input: ScriptInput | Script): Script {
  const maybe = input as Partial<Script>;
  if (typeof maybe.byMarker === "boolean" && typeof maybe.compact === "string")
    return input as Script;
  return parseScript(input);
}
