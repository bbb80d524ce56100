/**
 * Routes of a stage's handoffs: a session gives Flux its handoff document, anyone the stage
 * allows reads them. The document is text (markdown or JSON) that the handler parses with
 * core/handoff's parseHandoff, so a refusal names every problem (HANDOFF_INVALID) instead of a
 * schema's first field.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { HandoffRecord as HandoffRecordSchema } from "../../../core/handoff/schema.ts";
import { StageParams, jsonBody, reply, routeOf } from "./common.ts";

/** A stored handoff (core/handoff/types.ts HandoffRecord). */
export const HandoffRecord = HandoffRecordSchema.openapi("HandoffRecord");

export const CreateHandoffBody = z.strictObject({
  /**
   * The handoff: markdown with the sections Summary, Completed, Remaining, Decisions and Open
   * questions, or a JSON object of the same fields. Up to the daemon's body limit (1 MiB).
   */
  document: z.string().openapi({
    example:
      "## Summary\n\nThe parser works.\n\n## Completed\n\n- parser\n\n## Remaining\n\n- renderer: `src/render.ts:40`\n\n## Decisions\n\nNone.\n\n## Open questions\n\nNone.\n",
  }),
});

export const createHandoff = createRoute({
  ...routeOf("createHandoff"),
  request: { params: StageParams, body: jsonBody(CreateHandoffBody) },
  responses: reply(
    z.strictObject({ handoff: HandoffRecord }),
    "Stored: the handoff with its number; the stage moves to needs_handoff and its session ends.",
  ),
});

export const listHandoffs = createRoute({
  ...routeOf("listHandoffs"),
  request: { params: StageParams },
  responses: reply(z.strictObject({ handoffs: z.array(HandoffRecord) }), "Oldest first."),
});
