/** Every request the fake model receives, kept in memory and optionally appended as JSONL. */
import fs from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import type { Dialect } from "./reply.ts";
import type { TurnKind } from "./script.ts";

export type Api = Dialect | "count_tokens" | "probe" | "unknown";

export type ResponseKind =
  | TurnKind
  | "after_end"
  /** A scripted limit answered with its error (once it has reset, the turn's own kind). */
  | "limit"
  | "title"
  | "compact"
  | "side"
  | "count_tokens"
  | "probe"
  | "not_found"
  | "bad_request"
  | "script_error"
  | "internal_error";

export interface LoggedRequest {
  /** 1-based arrival order. */
  n: number;
  /** ISO time of arrival. */
  ts: string;
  api: Api;
  method: string;
  path: string;
  /** Header values; x-api-key and authorization are redacted. */
  headers: Record<string, string>;
  /** The parsed JSON body, the raw text when it is not JSON, or null when empty. */
  body: unknown;
  /** The script that answered, null for requests outside any script. */
  script: string | null;
  /** The turn index answered (model answers already in the request), null outside scripts. */
  turn: number | null;
  response_kind: ResponseKind;
  status: number;
  /** Why the server failed (script_error, bad_request, internal_error). */
  error?: string;
}

const SECRET_HEADERS = new Set(["x-api-key", "authorization"]);

export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name) ? "[redacted]" : [value].flat().join(", ");
  }
  return out;
}

export class RequestLog {
  readonly #entries: LoggedRequest[] = [];
  readonly #waiters = new Set<(entry: LoggedRequest) => void>();

  /** `file`: a JSONL file appended to synchronously, so its order is the arrival order. */
  constructor(private readonly file?: string) {}

  add(entry: Omit<LoggedRequest, "n">): LoggedRequest {
    const full = { n: this.#entries.length + 1, ...entry };
    this.#entries.push(full);
    if (this.file !== undefined) fs.appendFileSync(this.file, `${JSON.stringify(full)}\n`);
    for (const waiter of this.#waiters) waiter(full);
    return full;
  }

  all(): LoggedRequest[] {
    return [...this.#entries];
  }

  /** The first request (already logged or still to come) that matches. */
  waitFor(match: (r: LoggedRequest) => boolean, timeoutMs: number): Promise<LoggedRequest> {
    const found = this.#entries.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no matching model request within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (entry: LoggedRequest) => {
        if (!match(entry)) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve(entry);
      };
      this.#waiters.add(waiter);
    });
  }
}
