/**
 * `GET /v1/events?since=<seq>`: the log after `since`, a `caught_up` line, then live events and
 * a `settled` line after each scheduling pass, until the client goes or the daemon stops.
 * Resumable: a follower that lost its stream asks again from the last sequence it saw.
 */
import type { FluxEvent } from "../../store/events.ts";
import { TABLE } from "../api/table.ts";
import type { ApiLine } from "../api/types.ts";
import type { ApiContext, App } from "./context.ts";
import { guardedStream } from "./context.ts";

export function eventRoutes(app: App, ctx: ApiContext): void {
  app.openapi(guardedStream(app, TABLE.events), (c) => {
    const { since } = c.req.valid("query");
    // A session sees its own stage's events only; the human's CLI sees everything.
    const principal = c.get("principal");
    const visible = (event: FluxEvent) =>
      principal.kind === "admin" || event.stageId === principal.stageId;
    let last = since;
    let unsubscribe = () => undefined as void;
    const stream = ctx.streams.open<ApiLine<"events">>(() => unsubscribe());
    const send = (event: FluxEvent) => {
      if (event.seq <= last) return;
      last = event.seq;
      if (visible(event)) stream.write(event);
    };
    // Live events are heard from now on; the past is read after, and `last` drops duplicates.
    unsubscribe = ctx.feed.subscribe(send, () => stream.write({ type: "settled", seq: last }));
    for (;;) {
      const batch = ctx.engine.store.eventsSince(last);
      if (batch.length === 0) break;
      batch.forEach(send);
    }
    stream.write({ type: "caught_up", seq: last });
    return stream.response;
  });
}
