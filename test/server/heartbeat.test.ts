/**
 * `POST /v1/sessions/{id}/heartbeat` in process: a session's runner beats with its own token
 * and hears whether its session is open; another session's token is refused, and an ended
 * session's token is no token at all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HeartbeatReply } from "../../src/server/api/schemas/sessions.ts";
import type { ApiHarness } from "./api-kit.ts";
import { ADMIN, apiHarness, errorOf } from "./api-kit.ts";

let api: ApiHarness;
let sessions: { a: string; b: string };
let tokens: { a: string; b: string };

beforeAll(async () => {
  api = await apiHarness([{ id: "a" }, { id: "b" }]);
  api.h.engine.requestRun({});
  sessions = { a: (await api.h.launched("a")).id, b: (await api.h.launched("b")).id };
  tokens = { a: api.sessionToken("a"), b: api.sessionToken("b") };
});
afterAll(async () => {
  await api[Symbol.asyncDispose]();
});

async function beat(id: string, token: string): Promise<[number, unknown]> {
  const response = await api.call("sessionHeartbeat", { params: { id }, token });
  const body: unknown = await response.json();
  return [response.status, body];
}

describe("sessionHeartbeat", () => {
  it("takes a beat from the session's own runner: its session is open", async () => {
    const [status, body] = await beat(sessions.a, tokens.a);
    expect(status).toBe(200);
    expect(HeartbeatReply.parse(body)).toEqual({ ok: true, open: true });
  });

  it("refuses another session's token", async () => {
    const response = await api.call("sessionHeartbeat", {
      params: { id: sessions.b },
      token: tokens.a,
    });
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe("FORBIDDEN");
  });

  it("answers `open: false` once the session ended; its own token died with it", async () => {
    api.h.engine.sessionExited(sessions.b, { code: 1, signal: null });
    const own = await api.call("sessionHeartbeat", {
      params: { id: sessions.b },
      token: tokens.b,
    });
    expect([own.status, (await errorOf(own)).code]).toEqual([401, "UNAUTHORIZED"]);
    const [status, body] = await beat(sessions.b, ADMIN);
    expect(status).toBe(200);
    expect(HeartbeatReply.parse(body)).toEqual({ ok: true, open: false });
  });
});
