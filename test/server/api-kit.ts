/**
 * The daemon's app in process: the real hono app (src/server/app.ts) over a real Engine and
 * SQLite store in a temp repository, with the in-memory session backend (the test plays each
 * session's runner). Requests go through `app.request()` — no socket — and are built from the
 * route table, the way the CLI's client builds them.
 */
import { readSpec } from "../../src/engine/session-files.ts";
import type { RouteName } from "../../src/server/api/spec.ts";
import { ROUTES, fillPath } from "../../src/server/api/spec.ts";
import type { DaemonApp } from "../../src/server/app.ts";
import { buildApp } from "../../src/server/app.ts";
import type { EventFeed } from "../../src/server/event-feed.ts";
import { eventFeed } from "../../src/server/event-feed.ts";
import type { StageSpec } from "../../src/core/plan/schema.ts";
import { engineHarness } from "../engine/harness.ts";
import type { EngineHarness } from "../engine/harness.ts";

/** The port the app believes it listens on: Host headers must name it. */
export const PORT = 48123;
export const ADMIN = "admin-token-for-tests";

export interface Call {
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** A value is sent as JSON; a string as it is. */
  body?: unknown;
  /** Bearer token; null sends none. Default: the admin token. */
  token?: string | null;
  host?: string | null;
  origin?: string;
  contentType?: string;
}

export interface ApiHarness extends AsyncDisposable {
  h: EngineHarness;
  daemon: DaemonApp;
  feed: EventFeed;
  /** How many times the app asked the daemon to shut down. */
  shutdowns: number;
  call(name: RouteName, call?: Call): Promise<Response>;
  /** The session token the engine gave the stage's current session. */
  sessionToken(stageId: string): string;
}

export async function apiHarness(stages: StageSpec[]): Promise<ApiHarness> {
  const h = await engineHarness(stages);
  const feed = eventFeed(h.engine);
  const result: ApiHarness = {
    h,
    feed,
    shutdowns: 0,
    daemon: buildApp({
      engine: h.engine,
      version: "test",
      adminToken: ADMIN,
      port: () => PORT,
      feed,
      shutdown: () => void (result.shutdowns += 1),
    }),
    call(name, call = {}) {
      const route = ROUTES[name];
      const search = new URLSearchParams(call.query ?? {}).toString();
      const headers: Record<string, string> = {};
      const host = call.host === undefined ? `127.0.0.1:${PORT}` : call.host;
      if (host !== null) headers.host = host;
      const token = call.token === undefined ? ADMIN : call.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (call.origin !== undefined) headers.origin = call.origin;
      let body: string | undefined;
      if (call.body !== undefined) {
        body = typeof call.body === "string" ? call.body : JSON.stringify(call.body);
        headers["content-type"] = call.contentType ?? "application/json";
      }
      return Promise.resolve(
        this.daemon.app.request(
          `http://127.0.0.1:${PORT}${fillPath(route.path, call.params)}${search === "" ? "" : `?${search}`}`,
          { method: route.method.toUpperCase(), headers, body },
        ),
      );
    },
    sessionToken(stageId) {
      const token = readSpec(h.stateDir, h.session(stageId).id).env.FLUX_SESSION_TOKEN;
      if (token === undefined) throw new Error(`no session token for ${stageId}`);
      return token;
    },
    async [Symbol.asyncDispose]() {
      result.daemon.closeStreams();
      feed.close();
      await h[Symbol.asyncDispose]();
    },
  };
  return result;
}

/** The `error` of an error reply. */
export async function errorOf(
  response: Response,
): Promise<{ code: string; message: string; hint?: string; exitCode: number }> {
  const body = (await response.json()) as {
    error: { code: string; message: string; hint?: string; exitCode: number };
  };
  return body.error;
}

/** Every line of an NDJSON reply, parsed, until it ends or `until` says stop. */
export async function lines(
  response: Response,
  until: (line: Record<string, unknown>) => boolean = () => false,
): Promise<Record<string, unknown>[]> {
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body!.getReader();
  const decoder = new TextDecoder();
  const out: Record<string, unknown>[] = [];
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    buffer += decoder.decode(value, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
      out.push(line);
      if (until(line)) {
        await reader.cancel();
        return out;
      }
    }
  }
}
