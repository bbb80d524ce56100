/**
 * Handlers of a stage's handoffs. Creating one parses the document first — a refusal is a 400
 * HANDOFF_INVALID naming every problem, before the engine is asked — then the engine stores it
 * with what it knows and moves the stage; a session's request is for its own session.
 */
import { noActivePlan, stageNotFound } from "../../core/errors.ts";
import { parseHandoff } from "../../core/handoff/parse.ts";
import { listHandoffs } from "../../store/handoffs.ts";
import { TABLE } from "../api/table.ts";
import type { ApiContext, App } from "./context.ts";
import { guarded } from "./context.ts";

export function handoffRoutes(app: App, ctx: ApiContext): void {
  const { engine } = ctx;

  app.openapi(guarded(TABLE.createHandoff), async (c) => {
    const { id } = c.req.valid("param");
    const { document } = c.req.valid("json");
    const handoff = parseHandoff(document);
    const principal = c.var.principal;
    const sessionId = principal.kind === "session" ? principal.sessionId : undefined;
    return c.json({ handoff: await engine.createHandoff(id, { handoff, sessionId }) }, 200);
  });

  app.openapi(guarded(TABLE.listHandoffs), (c) => {
    const { id } = c.req.valid("param");
    const plan = engine.store.activePlan();
    if (plan === undefined) throw noActivePlan();
    const stages = engine.store.stages(plan.id).map((s) => s.id);
    if (!stages.includes(id)) throw stageNotFound(id, stages);
    return c.json({ handoffs: listHandoffs(engine.store, plan.id, id) }, 200);
  });
}
