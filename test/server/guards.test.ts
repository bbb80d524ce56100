/**
 * Every route of the table, in process: a foreign Host or Origin is refused before anything
 * else, no or an unknown token is 401, a session's token is refused where the route's principal
 * rule says so, and an invalid path, query or body is 400 BAD_REQUEST naming the field. The
 * routes come from the table, so a new route is covered the day it is added.
 */
import type { RouteConfig } from "@hono/zod-openapi";
import { ZodObject } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteName } from "../../src/server/api/spec.ts";
import { ROUTES } from "../../src/server/api/spec.ts";
import { TABLE } from "../../src/server/api/table.ts";
import type { ApiHarness, Call } from "./api-kit.ts";
import { PORT, apiHarness, errorOf } from "./api-kit.ts";

let api: ApiHarness;
let sessions: { a: string; b: string };
let tokens: { a: string };

beforeAll(async () => {
  api = await apiHarness([{ id: "a" }, { id: "b" }]);
  api.h.engine.requestRun({});
  sessions = { a: (await api.h.launched("a")).id, b: (await api.h.launched("b")).id };
  tokens = { a: api.sessionToken("a") };
});
afterAll(async () => {
  await api[Symbol.asyncDispose]();
});

const NAMES = Object.keys(ROUTES) as RouteName[];

function hasId(name: RouteName): boolean {
  return ROUTES[name].path.includes("{id}");
}

/** Valid path params for a route: stage `a`, or session a's id. */
function params(name: RouteName): Record<string, string> | undefined {
  if (!hasId(name)) return undefined;
  return { id: ROUTES[name].path.startsWith("/v1/sessions/") ? sessions.a : "a" };
}

/** The zod schema of a route's JSON body, read from the table. */
function bodySchema(name: RouteName): ZodObject | undefined {
  const route: RouteConfig = TABLE[name];
  const media = route.request?.body?.content["application/json"];
  const schema = media !== undefined && "schema" in media ? media.schema : undefined;
  return schema instanceof ZodObject ? schema : undefined;
}

async function refusal(name: RouteName, call: Call): Promise<[number, string]> {
  const response = await api.call(name, { params: params(name), ...call });
  return [response.status, (await errorOf(response)).code];
}

describe.each(NAMES)("%s", (name) => {
  const rule = ROUTES[name].principal;

  it("refuses a Host that is not a loopback name with the daemon's port, before auth", async () => {
    for (const host of [
      "evil.example",
      `evil.example:${PORT}`,
      `127.0.0.1:${PORT + 1}`,
      `127.0.0.2:${PORT}`,
      null,
    ]) {
      expect(await refusal(name, { host, token: null })).toEqual([403, "FORBIDDEN_HOST"]);
    }
  });

  it("refuses an Origin other than the daemon's own, before auth", async () => {
    for (const origin of [
      "http://evil.example",
      `https://127.0.0.1:${PORT}`,
      `http://localhost:${PORT + 1}`,
      "null",
    ]) {
      expect(await refusal(name, { origin, token: null })).toEqual([403, "FORBIDDEN_ORIGIN"]);
    }
  });

  it("refuses a request without a token or with an unknown one", async () => {
    expect(await refusal(name, { token: null })).toEqual([401, "UNAUTHORIZED"]);
    expect(await refusal(name, { token: "not-a-token" })).toEqual([401, "UNAUTHORIZED"]);
  });

  if (rule === "admin") {
    it("refuses a session's token: only the admin may call it", async () => {
      expect(await refusal(name, { token: tokens.a })).toEqual([403, "FORBIDDEN"]);
    });
  } else if (rule === "stage") {
    it("refuses a session's token for another stage", async () => {
      const [status, code] = await refusal(name, { token: tokens.a, params: { id: "b" } });
      expect([status, code]).toEqual([403, "FORBIDDEN"]);
    });
  } else if (rule === "session") {
    it("refuses a session's token for another session", async () => {
      const call = { token: tokens.a, params: { id: sessions.b } };
      expect(await refusal(name, call)).toEqual([403, "FORBIDDEN"]);
    });
  }

  if (hasId(name)) {
    it("names an invalid path parameter", async () => {
      const body = ROUTES[name].method === "post" ? {} : undefined;
      const response = await api.call(name, { params: { id: "Not an id!" }, body });
      expect(response.status).toBe(400);
      const error = await errorOf(response);
      expect(error).toMatchObject({ code: "BAD_REQUEST", exitCode: 2 });
      expect(error.message).toContain("params.id");
    });
  }

  const body = bodySchema(name);
  if (body !== undefined) {
    it("names an invalid body field", async () => {
      const field = Object.keys(body.shape)[0] ?? "";
      const response = await api.call(name, { params: params(name), body: { [field]: {} } });
      expect(response.status).toBe(400);
      const error = await errorOf(response);
      expect(error).toMatchObject({ code: "BAD_REQUEST", exitCode: 2 });
      expect(error.message).toContain(`body.${field}`);
    });
  }
});

describe("the guard", () => {
  it("answers the daemon's own names, and a browser on them", async () => {
    for (const host of [`127.0.0.1:${PORT}`, `localhost:${PORT}`, `[::1]:${PORT}`]) {
      const response = await api.call("health", { host, origin: `http://${host}` });
      expect(response.status).toBe(200);
    }
  });

  it("lets a session's token call the routes open to any principal", async () => {
    const response = await api.call("health", { token: tokens.a });
    expect(await response.json()).toMatchObject({ ok: true, principal: "session" });
  });
});

describe("request errors", () => {
  it("names an invalid query parameter", async () => {
    const response = await api.call("events", { query: { since: "yesterday" } });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toContain("query.since");
  });

  it("refuses a body that is not JSON, or not valid JSON", async () => {
    const text = await api.call("notify", { body: "sessions=true", contentType: "text/plain" });
    expect([text.status, (await errorOf(text)).code]).toEqual([400, "BAD_REQUEST"]);
    const broken = await api.call("notify", { body: "{not json" });
    expect([broken.status, (await errorOf(broken)).code]).toEqual([400, "BAD_JSON"]);
  });

  it("refuses a body over the limit", async () => {
    const response = await api.call("run", { body: { env: { BIG: "x".repeat(2 << 20) } } });
    expect([response.status, (await errorOf(response)).code]).toEqual([413, "BODY_TOO_LARGE"]);
  });

  it("answers an unknown route with NO_ROUTE, after auth", async () => {
    const request = (token: string | null) =>
      api.daemon.app.request(`http://127.0.0.1:${PORT}/v1/nope`, {
        headers: {
          host: `127.0.0.1:${PORT}`,
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        },
      });
    expect((await request(null)).status).toBe(401);
    const response = await request("admin-token-for-tests");
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: "NO_ROUTE", exitCode: 5 });
  });
});
