/** Handlers of the daemon's own routes: health, notify, shutdown, the OpenAPI document. */
import { TABLE } from "../api/table.ts";
import type { ApiContext, App } from "./context.ts";
import { guarded } from "./context.ts";

export function daemonRoutes(app: App, ctx: ApiContext): void {
  const { engine } = ctx;

  app.openapi(guarded(TABLE.health), (c) =>
    c.json(
      {
        ok: true as const,
        pid: process.pid,
        version: ctx.version,
        principal: c.var.principal.kind,
      },
      200,
    ),
  );

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "The admin token (.work/daemon.json) or a session's FLUX_SESSION_TOKEN.",
  });
  app.openapi(guarded(TABLE.openapi), (c) => c.json(openApiDocument(app, ctx.version), 200));

  app.openapi(guarded(TABLE.notify), (c) => {
    ctx.feed.pump();
    // A tmux session closed (`flux daemon poke`): was it a runner that could not report?
    if (c.req.valid("json").sessions === true) engine.checkSessions();
    engine.wake("notify");
    return c.json({ ok: true as const }, 200);
  });

  app.openapi(guarded(TABLE.shutdown), (c) => {
    setImmediate(() => ctx.shutdown());
    return c.json({ ok: true as const }, 200);
  });
}

/** The OpenAPI 3.1 document of every route registered on `app`, with its bearer auth. */
export function openApiDocument(app: App, version: string) {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Flux daemon API",
      version,
      description:
        "The daemon of one repository, on 127.0.0.1. Every route needs a bearer token and a loopback Host with the daemon's port; an Origin, when present, must be one of those over http. Errors are `{error: {code, message, hint, exitCode, …}}`.",
    },
    security: [{ bearer: [] }],
  });
}
