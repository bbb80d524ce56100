/** Odd requests get clear answers, and a session's token sees only what is its own. */
import { afterEach, describe, expect, it } from "vitest";
import type { ApiHarness } from "./api-kit.ts";
import { apiHarness, errorOf, lines } from "./api-kit.ts";

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.[Symbol.asyncDispose]();
  api = undefined;
});

describe("odd requests", () => {
  it("a session's token reads its own stage's events only", async () => {
    api = await apiHarness([{ id: "a" }, { id: "b" }]);
    api.h.engine.requestRun({});
    await api.h.launched("a");
    await api.h.launched("b");
    const response = await api.call("events", {
      query: { since: "0" },
      token: api.sessionToken("a"),
    });
    const seen = await lines(response, (line) => line.type === "caught_up");
    const stages = new Set(
      seen.map((l) => (l as { stageId?: string | null }).stageId).filter((s) => s != null),
    );
    expect([...stages]).toEqual(["a"]);
    const admin = await lines(
      await api.call("events", { query: { since: "0" } }),
      (line) => line.type === "caught_up",
    );
    expect(admin.some((l) => (l as { stageId?: string }).stageId === "b")).toBe(true);
  });

  it("rejects since=abc, bad encodings, and reports about sessions that do not exist", async () => {
    api = await apiHarness([{ id: "a" }]);
    const since = await api.call("events", { query: { since: "abc" } });
    expect(since.status).toBe(400);
    expect((await errorOf(since)).code).toBe("BAD_REQUEST");
    const garbled = await api.daemon.app.request("http://127.0.0.1:48123/v1/sessions/%E0%A4%A", {
      headers: { host: "127.0.0.1:48123", authorization: "Bearer admin-token-for-tests" },
    });
    expect(garbled.status).toBeGreaterThanOrEqual(400);
    expect(garbled.status).toBeLessThan(500);
    for (const route of ["sessionStarted", "sessionExited"] as const) {
      const response = await api.call(route, {
        params: { id: "ses_000000000aaaaaaaaaa" },
        body: route === "sessionStarted" ? { pid: 1 } : { code: 0, signal: null },
      });
      expect(response.status, route).toBe(404);
      expect((await errorOf(response)).code).toBe("SESSION_NOT_FOUND");
    }
  });
});
