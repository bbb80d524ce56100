/** Helpers for the fake model's unit tests: recorded requests, SSE parsing, a captured response. */
import fs from "node:fs";
import type { ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface Recorded {
  note: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

/** Requests recorded from the real CLIs (trimmed): a 3-turn `[[script:fix]]` conversation. */
export function recorded(cli: "claude" | "codex" | "opencode"): Recorded[] {
  return JSON.parse(
    fs.readFileSync(path.join(FIXTURES, `${cli}-requests.json`), "utf8"),
  ) as Recorded[];
}

export const FIXTURE_CWD = "/tmp/flux-fixture-repo";

export interface SseEvent {
  event: string | undefined;
  data: string;
}

export function parseSse(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      const lines = frame.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
      const data = lines
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      return { event, data };
    });
}

export function sseJson(text: string): Record<string, unknown>[] {
  return parseSse(text)
    .filter((e) => e.data !== "[DONE]")
    .map((e) => JSON.parse(e.data) as Record<string, unknown>);
}

export interface Captured {
  res: ServerResponse;
  status: () => number | undefined;
  headers: () => Record<string, unknown>;
  body: () => string;
  ended: () => boolean;
}

/** A stand-in for the ServerResponse the encoders write to. */
export function captureResponse(): Captured {
  let status: number | undefined;
  let headers: Record<string, unknown> = {};
  let body = "";
  let ended = false;
  const res = {
    headersSent: false,
    writeHead(code: number, h: Record<string, unknown> = {}) {
      status = code;
      headers = h;
      return res;
    },
    write(chunk: string) {
      body += chunk;
      return true;
    },
    end(chunk?: string) {
      if (chunk !== undefined) body += chunk;
      ended = true;
      return res;
    },
  };
  return {
    res: res as unknown as ServerResponse,
    status: () => status,
    headers: () => headers,
    body: () => body,
    ended: () => ended,
  };
}

/** `value[k1][k2]…` without casts; undefined when a step is missing. */
export function dig(value: unknown, ...keys: (string | number)[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

export const str = (value: unknown): string => (typeof value === "string" ? value : "");
