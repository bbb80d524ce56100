/**
 * Handlers of a stage's routes. Completion and evidence ask the engine first — its refusal
 * (STAGE_NOT_FOUND, STAGE_NOT_AT_GATE, COMMIT_FIRST…) is a plain error reply with its own
 * status — and only then start the stream: progress lines, then the verdict or the evidence,
 * or an error line if the run itself fails. The verdict lands even if the client goes away.
 */
import type { AcceptanceProgress } from "../../engine/acceptance/types.ts";
import { rejectionNeedsReason } from "../../core/errors.ts";
import { TABLE } from "../api/table.ts";
import type { ApiLine } from "../api/types.ts";
import type { ApiContext, App } from "./context.ts";
import { guarded, guardedStream } from "./context.ts";

/** Progress heard before the stream exists (the engine reports as soon as it starts) waits. */
function progressBuffer<Line>() {
  const early: AcceptanceProgress[] = [];
  let send: (event: AcceptanceProgress) => void = (event) => void early.push(event);
  return {
    onProgress: (event: AcceptanceProgress) => send(event),
    attach(write: (line: AcceptanceProgress | Line) => void) {
      send = write;
      early.splice(0).forEach(write);
    },
  };
}

export function stageRoutes(app: App, ctx: ApiContext): void {
  const { engine } = ctx;

  app.openapi(guardedStream(app, TABLE.completeStage), async (c) => {
    const { id } = c.req.valid("param");
    const principal = c.var.principal;
    const sessionId = principal.kind === "session" ? principal.sessionId : undefined;
    const progress = progressBuffer<ApiLine<"completeStage">>();
    const { result } = await engine.complete(id, { sessionId, onProgress: progress.onProgress });
    const stream = ctx.streams.open<ApiLine<"completeStage">>();
    progress.attach(stream.write);
    stream.write({ type: "accepted", stage: id });
    result.then(
      (verdict) => {
        stream.write({ type: "verdict", ...verdict });
        stream.end();
      },
      (error: unknown) => stream.fail(error),
    );
    return stream.response;
  });

  app.openapi(guardedStream(app, TABLE.stageEvidence), async (c) => {
    const { id } = c.req.valid("param");
    const progress = progressBuffer<ApiLine<"stageEvidence">>();
    const { result } = await engine.evidence(id, progress.onProgress);
    const stream = ctx.streams.open<ApiLine<"stageEvidence">>();
    progress.attach(stream.write);
    result.then(
      (evidence) => {
        stream.write({ type: "evidence", ...evidence });
        stream.end();
      },
      (error: unknown) => stream.fail(error),
    );
    return stream.response;
  });

  app.openapi(guarded(TABLE.approveStage), (c) => {
    const { id } = c.req.valid("param");
    const { reviewer } = c.req.valid("json");
    return c.json({ ok: true as const, state: engine.approve(id, reviewer ?? "human").state }, 200);
  });

  app.openapi(guarded(TABLE.rejectStage), (c) => {
    const { id } = c.req.valid("param");
    const { reason, reviewer } = c.req.valid("json");
    if (reason.trim() === "") throw rejectionNeedsReason();
    return c.json(
      { ok: true as const, state: engine.reject(id, reason, reviewer ?? "human").state },
      200,
    );
  });

  app.openapi(guarded(TABLE.mergeStage), async (c) => {
    const { id } = c.req.valid("param");
    return c.json({ outcome: await engine.merge(id) }, 200);
  });

  app.openapi(guarded(TABLE.resolveStage), (c) => {
    const { id } = c.req.valid("param");
    return c.json({ ok: true as const, state: engine.resolve(id).state }, 200);
  });

  app.openapi(guarded(TABLE.resumeStage), (c) => {
    const { id } = c.req.valid("param");
    return c.json({ ok: true as const, state: engine.resume(id).state }, 200);
  });

  app.openapi(guarded(TABLE.forceStage), (c) => {
    const { id } = c.req.valid("param");
    const { action, reason, actor } = c.req.valid("json");
    const before = engine.store.lastSeq();
    const state = engine.force(id, action, { reason, actor }).state;
    return c.json({ ok: true as const, state, before }, 200);
  });
}
