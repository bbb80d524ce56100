/**
 * The daemon's HTTP app: one hono app over the route table (api/table.ts), in this order —
 *
 *   1. Host and Origin guard (guard.ts): a foreign Host or Origin is 403, before anything else;
 *   2. body limit (1 MiB), then bearer auth (auth.ts): no or unknown token is 401;
 *   3. the route's principal rule (403), then its params, query and body schemas (400
 *      BAD_REQUEST naming the field), then its handler (handlers/<domain>.ts);
 *   4. every error, thrown anywhere, translated once (errors.ts); an unknown route is NO_ROUTE.
 *
 * The app is built without a server, so tests call it in-process (`app.request()`), and the
 * daemon serves it with @hono/node-server. Later surfaces — the web dashboard, a WebSocket
 * endpoint, the MCP Streamable HTTP endpoint — mount on this same app (see `mount` below), so
 * they sit behind the same guard and auth; each adds its routes to the table when it has a
 * schema, and to the OpenAPI document with it.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Engine } from "../engine/engine.ts";
import type { AppEnv } from "./auth.ts";
import { authenticate } from "./auth.ts";
import {
  badJson,
  bodyTooLarge,
  errorResponse,
  invalidRequest,
  noRoute,
  notJson,
} from "./errors.ts";
import type { EventFeed } from "./event-feed.ts";
import { hostAndOriginGuard } from "./guard.ts";
import type { App } from "./handlers/context.ts";
import { daemonRoutes } from "./handlers/daemon.ts";
import { eventRoutes } from "./handlers/events.ts";
import { handoffRoutes } from "./handlers/handoffs.ts";
import { runRoutes } from "./handlers/runs.ts";
import { sessionRoutes } from "./handlers/sessions.ts";
import { stageRoutes } from "./handlers/stages.ts";
import { OpenStreams } from "./ndjson.ts";

/** Request bodies above this are refused (BODY_TOO_LARGE): the largest is `flux run`'s env. */
export const BODY_LIMIT_BYTES = 1 << 20;

export interface AppOptions {
  engine: Engine;
  version: string;
  /** The admin token (.work/daemon.json). */
  adminToken: string;
  /** The port the daemon listens on, which the Host header must name; read per request. */
  port: () => number;
  feed: EventFeed;
  /** Stops the daemon; called after the shutdown route has answered. */
  shutdown: () => void;
  log?: ((line: string) => void) | undefined;
}

export interface DaemonApp {
  app: App;
  /** Ends every open stream (the daemon is stopping): followers see their stream end. */
  closeStreams: () => void;
}

export function buildApp(options: AppOptions): DaemonApp {
  const log = options.log ?? (() => undefined);
  const streams = new OpenStreams();
  const app: App = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw invalidRequest(result.target, result.error);
    },
  });

  app.onError((error) => errorResponse(translate(error), log));
  app.notFound((c) => errorResponse(noRoute(c.req.method, c.req.path), log));

  app.use(hostAndOriginGuard(options.port));
  app.use(
    bodyLimit({
      maxSize: BODY_LIMIT_BYTES,
      onError: () => {
        throw bodyTooLarge(BODY_LIMIT_BYTES);
      },
    }),
  );
  app.use(authenticate(options.engine.store, options.adminToken));

  const ctx = {
    engine: options.engine,
    version: options.version,
    feed: options.feed,
    streams,
    shutdown: options.shutdown,
    log,
  };
  daemonRoutes(app, ctx);
  runRoutes(app, ctx);
  eventRoutes(app, ctx);
  stageRoutes(app, ctx);
  handoffRoutes(app, ctx);
  sessionRoutes(app, ctx);
  // The seam for later surfaces, behind the same guard and auth, e.g.
  //   app.route("/ui", dashboardApp); app.get("/v1/ws", upgradeWebSocket(…)); app.all("/mcp", …)

  return { app, closeStreams: () => streams.closeAll() };
}

/** hono's own refusals (malformed JSON, a body that is not JSON) in Flux's words. */
function translate(error: unknown): unknown {
  if (!(error instanceof HTTPException)) return error;
  if (error.status === 415) return notJson();
  if (error.status === 400 && /JSON/i.test(error.message)) return badJson();
  return error;
}
