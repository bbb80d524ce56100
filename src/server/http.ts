/**
 * A small HTTP layer over node:http: JSON in and out, NDJSON streams, bearer-token auth on
 * every request, and one translation of FluxError into a status and `{error: {code, …}}`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ExitCode, FluxError } from "../core/errors.ts";
import { sendJson } from "../adapters/http/json.ts";

export { sendJson };

export type Principal = { kind: "admin" } | { kind: "session"; sessionId: string; stageId: string };

export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  principal: Principal;
  raw: IncomingMessage;
}

export type Handler = (req: Request, res: ServerResponse) => Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/:([a-zA-Z]+)/g, (_, key: string) => {
        keys.push(key);
        return "([^/]+)";
      })}$`,
    );
    this.routes.push({ method, pattern, keys, handler });
    return this;
  }

  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (m === null) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1] ?? "")));
      return { handler: route.handler, params };
    }
    return undefined;
  }
}

const STATUS_BY_EXIT: Partial<Record<number, number>> = {
  [ExitCode.usage]: 400,
  [ExitCode.invalidPlan]: 422,
  [ExitCode.refused]: 409,
  [ExitCode.notFound]: 404,
  [ExitCode.environment]: 500,
};

export function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    // Inside a stream: the error is the stream's last line.
    const body =
      error instanceof FluxError ? error.toJSON() : { code: "INTERNAL", message: String(error) };
    res.end(`${JSON.stringify({ type: "error", error: body })}\n`);
    return;
  }
  if (error instanceof FluxError) {
    sendJson(
      res,
      error.code === "UNAUTHORIZED"
        ? 401
        : error.code === "FORBIDDEN"
          ? 403
          : (STATUS_BY_EXIT[error.exitCode] ?? 500),
      {
        error: error.toJSON(),
      },
    );
    return;
  }
  sendJson(res, 500, {
    error: { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) },
  });
}

/** Starts an NDJSON stream; `write` sends one object per line. */
export function startStream(res: ServerResponse): (value: unknown) => void {
  res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
  res.flushHeaders();
  // A follower that went away must not take the daemon down with it.
  res.on("error", () => undefined);
  return (value) => {
    if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify(value)}\n`);
  };
}

export async function readBody(
  req: IncomingMessage,
  limit = 1 << 20,
): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit)
      throw new FluxError("BODY_TOO_LARGE", "request body too large", { exitCode: ExitCode.usage });
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new Error("not an object");
    return value as Record<string, unknown>;
  } catch {
    throw new FluxError("BAD_JSON", "the request body is not a JSON object", {
      exitCode: ExitCode.usage,
    });
  }
}

export function requireAdmin(req: Request): void {
  if (req.principal.kind !== "admin") {
    throw new FluxError("FORBIDDEN", `a session's token cannot ${req.method} ${req.path}`, {
      hint: "gates, merges, runs and forced transitions are for the human's CLI",
      exitCode: ExitCode.refused,
    });
  }
}

/** Admin, or the session acting for its own stage. */
export function requireStage(req: Request, stageId: string): void {
  if (req.principal.kind === "session" && req.principal.stageId !== stageId) {
    throw new FluxError(
      "FORBIDDEN",
      `this session works on ${req.principal.stageId}, not ${stageId}`,
      {
        hint: "a session acts only for its own stage",
        exitCode: ExitCode.refused,
      },
    );
  }
}

export function requireSession(req: Request, sessionId: string): void {
  if (req.principal.kind === "session" && req.principal.sessionId !== sessionId) {
    throw new FluxError("FORBIDDEN", `this token belongs to another session`, {
      exitCode: ExitCode.refused,
    });
  }
}
