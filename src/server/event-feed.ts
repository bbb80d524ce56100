/**
 * The daemon's live event feed: events this process commits, and those other processes wrote
 * (a `flux stage …` command, then `/v1/notify`), read from the log in sequence order and passed
 * to every follower — the `/v1/events` streams and the idle clock. Followers also hear the end
 * of each scheduling pass: a finished task writes no event but may change the progress.
 */
import type { Engine } from "../engine/engine.ts";
import type { FluxEvent } from "../store/events.ts";

export interface EventFeed {
  /** Returns the unsubscribe. */
  subscribe(listener: (event: FluxEvent) => void, onSettled?: () => void): () => void;
  /** Reads the events committed since the last one passed on, and passes them on. */
  pump(): void;
  /** Stops listening to the engine. */
  close(): void;
}

export function eventFeed(engine: Engine): EventFeed {
  const followers = new Set<(event: FluxEvent) => void>();
  const settled = new Set<() => void>();
  let lastSeq = engine.store.lastSeq();
  const pump = () => {
    for (;;) {
      const batch = engine.store.eventsSince(lastSeq);
      if (batch.length === 0) return;
      for (const event of batch) {
        lastSeq = event.seq;
        for (const follower of [...followers]) follower(event);
      }
    }
  };
  const offEvent = engine.onEvent(() => pump());
  const offSettled = engine.onSettled(() => {
    for (const listener of [...settled]) listener();
  });
  return {
    subscribe(listener, onSettled) {
      followers.add(listener);
      if (onSettled !== undefined) settled.add(onSettled);
      return () => {
        followers.delete(listener);
        if (onSettled !== undefined) settled.delete(onSettled);
      };
    },
    pump,
    close() {
      offEvent();
      offSettled();
    },
  };
}
