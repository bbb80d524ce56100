/** A session's routes: its runner's reports and heartbeats, its agent's hooks, reading, killing. */
import { TABLE } from "../api/table.ts";
import type { ApiContext, App } from "./context.ts";
import { guarded } from "./context.ts";

export function sessionRoutes(app: App, ctx: ApiContext): void {
  const { engine } = ctx;

  app.openapi(guarded(TABLE.getSession), (c) => {
    const { id } = c.req.valid("param");
    return c.json({ session: engine.session(id) ?? null }, 200);
  });

  app.openapi(guarded(TABLE.sessionStarted), (c) => {
    const { id } = c.req.valid("param");
    engine.sessionStarted(id, c.req.valid("json").pid ?? null);
    return c.json({ ok: true as const }, 200);
  });

  app.openapi(guarded(TABLE.sessionExited), (c) => {
    const { id } = c.req.valid("param");
    const { code, signal, telemetry } = c.req.valid("json");
    engine.sessionExited(id, { code: code ?? null, signal: signal ?? null, telemetry });
    return c.json({ ok: true as const }, 200);
  });

  // Every `[health] heartbeat` while the agent runs: an in-memory deadline moves, nothing more.
  app.openapi(guarded(TABLE.sessionHeartbeat), (c) => {
    const { id } = c.req.valid("param");
    return c.json({ ok: true as const, open: engine.sessionHeartbeat(id) }, 200);
  });

  // An interactive agent's hooks (`flux hook <event>`): waiting for input, Stop reminders.
  app.openapi(guarded(TABLE.sessionHook), (c) => {
    const { id } = c.req.valid("param");
    return c.json(engine.hook(id, c.req.valid("json")), 200);
  });

  // A session's context: from its runner (after each model call) or its hooks (around a tool).
  app.openapi(guarded(TABLE.sessionContext), (c) => {
    const { id } = c.req.valid("param");
    return c.json(engine.context(id, c.req.valid("json")), 200);
  });

  app.openapi(guarded(TABLE.killSession), async (c) => {
    const { id } = c.req.valid("param");
    return c.json({ session: await engine.killSession(id) }, 200);
  });
}
