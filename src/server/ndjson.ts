/**
 * NDJSON replies: one JSON object per line, written as the work goes. A stream that fails after
 * it started ends with `{"type":"error","error":{…}}` (the status is already 200 by then). Every
 * open stream is registered so the daemon can end them all when it stops; a client that goes
 * away cancels its stream, which tells the route to stop feeding it.
 */
import type { ApiErrorLine } from "./api/types.ts";
import { NDJSON } from "./api/spec.ts";
import { wireError } from "./errors.ts";

export interface NdjsonStream<Line> {
  /** The reply to return from the route. */
  response: Response;
  /** Sends one line; nothing once the stream has ended. */
  write: (line: Line) => void;
  end: () => void;
  /** Ends the stream with an error line. */
  fail: (error: unknown) => void;
  readonly open: boolean;
}

export class OpenStreams {
  readonly #ends = new Set<() => void>();

  /** `onClose` runs once, however the stream ends: by the route, the client, or closeAll. */
  open<Line>(onClose?: () => void): NdjsonStream<Line> {
    const encoder = new TextEncoder();
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    let open = true;
    const finish = (): boolean => {
      if (!open) return false;
      open = false;
      this.#ends.delete(end);
      onClose?.();
      return true;
    };
    const end = () => {
      if (finish()) controller?.close();
    };
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
      // The client went away.
      cancel() {
        finish();
      },
    });
    this.#ends.add(end);
    const send = (line: Line | ApiErrorLine) => {
      if (open) controller?.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
    };
    return {
      response: new Response(body, {
        status: 200,
        headers: { "content-type": NDJSON, "cache-control": "no-store" },
      }),
      write: send,
      end,
      fail(error) {
        send({ type: "error", error: wireError(error) });
        end();
      },
      get open() {
        return open;
      },
    };
  }

  /** Ends every open stream (the daemon is stopping). */
  closeAll(): void {
    for (const end of [...this.#ends]) end();
  }
}
