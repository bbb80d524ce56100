/** Routes of the daemon itself: health, wake-ups from other processes, shutdown, this document. */
import { createRoute, z } from "@hono/zod-openapi";
import { Ok, jsonBody, reply, routeOf } from "./common.ts";

export const Health = z.strictObject({
  ok: z.literal(true),
  pid: z.number().int(),
  version: z.string(),
  /** Whose token this is. */
  principal: z.enum(["admin", "session"]),
});

export const NotifyBody = z.strictObject({
  /** A backend session closed (`flux daemon poke`): find sessions whose runner could not report. */
  sessions: z.boolean().optional(),
});

export const health = createRoute({
  ...routeOf("health"),
  responses: reply(Health, "The daemon answers."),
});

export const openapi = createRoute({
  ...routeOf("openapi"),
  responses: reply(
    z.looseObject({
      openapi: z.string(),
      info: z.looseObject({ title: z.string(), version: z.string() }),
      paths: z.record(z.string(), z.unknown()).optional(),
    }),
    "The OpenAPI 3.1 document.",
  ),
});

export const notify = createRoute({
  ...routeOf("notify"),
  request: { body: jsonBody(NotifyBody) },
  responses: reply(Ok, "Heard: the daemon reads the new events and schedules."),
});

export const shutdown = createRoute({
  ...routeOf("shutdown"),
  responses: reply(Ok, "The daemon stops after this answer."),
});
