/**
 * What the route handlers get: the engine's verbs and store (read only), the live event feed,
 * the open streams, and the daemon's own controls — never the daemon object itself.
 */
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Engine } from "../../engine/engine.ts";
import type { RouteName, StreamRouteName } from "../api/spec.ts";
import { ROUTES } from "../api/spec.ts";
import { streamDoc } from "../api/schemas/common.ts";
import { LINES } from "../api/table.ts";
import type { AppEnv } from "../auth.ts";
import { allow } from "../auth.ts";
import type { EventFeed } from "../event-feed.ts";
import type { OpenStreams } from "../ndjson.ts";

export type App = OpenAPIHono<AppEnv>;

export interface ApiContext {
  engine: Engine;
  version: string;
  feed: EventFeed;
  streams: OpenStreams;
  /** Stops the daemon (after the current reply). */
  shutdown(): void;
  log(line: string): void;
}

/** A route of the table with its principal rule in front of its validators. */
export function guarded<R extends RouteConfig & { operationId: RouteName }>(route: R) {
  return { ...route, middleware: allow(ROUTES[route.operationId].principal) };
}

/**
 * A stream route of the table, guarded like the others, and documented with its lines (the
 * route config itself has none: see `stream` in api/schemas/common.ts).
 */
export function guardedStream<
  R extends RouteConfig & {
    operationId: StreamRouteName;
    responses: { 200: { description: string } };
  },
>(app: App, route: R) {
  app.openAPIRegistry.registerPath({
    ...route,
    responses: streamDoc(LINES[route.operationId], route.responses[200].description),
  });
  return { ...guarded(route), hide: true };
}
