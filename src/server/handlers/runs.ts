/** Handlers of the run's routes: `flux run`'s request and where the run stands. */
import { TABLE } from "../api/table.ts";
import type { ApiContext, App } from "./context.ts";
import { guarded } from "./context.ts";

export function runRoutes(app: App, ctx: ApiContext): void {
  const { engine } = ctx;

  app.openapi(guarded(TABLE.run), (c) => {
    const body = c.req.valid("json");
    return c.json(
      engine.requestRun({
        stage: body.stage,
        withDeps: body.withDeps,
        manual: body.manual,
        maxParallel: body.maxParallel,
        env: body.env,
      }),
      200,
    );
  });

  app.openapi(guarded(TABLE.progress), (c) => c.json(engine.progress(), 200));

  app.openapi(guarded(TABLE.setFlow), (c) => {
    const body = c.req.valid("json");
    return c.json(engine.setFlow(body.mode, body.actor ?? "human"), 200);
  });
}
