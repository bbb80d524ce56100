/**
 * The event stream: `GET /v1/events?since=<seq>` sends every event after `since`, a `caught_up`
 * line, then live events and a `settled` line after each scheduling pass. Each event's `data`
 * has the shape EventDataMap (store/events.ts) gives its type; the document shows it as an object.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { EVENT_TYPES } from "../../../store/events.ts";
import { routeOf, stream } from "./common.ts";

export const EventsQuery = z.strictObject({
  /** Send the events after this sequence number; 0 (default): all of them. */
  since: z
    .string()
    .regex(/^\d+$/, "a sequence number (a whole number, 0 or more)")
    .optional()
    .transform((value) => (value === undefined ? 0 : Number(value)))
    .openapi({ param: { name: "since", in: "query" }, type: "integer", example: "0" }),
});

export const EventRecord = z
  .strictObject({
    seq: z.number().int(),
    at: z.string(),
    type: z.enum(EVENT_TYPES),
    planId: z.number().int().nullable(),
    stageId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi("Event");

export const CaughtUp = z.strictObject({ type: z.literal("caught_up"), seq: z.number().int() });
export const Settled = z.strictObject({ type: z.literal("settled"), seq: z.number().int() });

export const EventsLine = z.union([EventRecord, CaughtUp, Settled]);

export const events = createRoute({
  ...routeOf("events"),
  request: { query: EventsQuery },
  responses: stream("NDJSON: events, `caught_up`, then live events and `settled`."),
});
