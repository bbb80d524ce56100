/**
 * Every route of the table answers what its schema says, in process: each happy path's reply
 * (or each line of its stream) is parsed with the table's own schema, strict objects included,
 * so a field the engine adds or drops fails here. Also: refusals keep their code and exit code,
 * a stream that fails ends with an error line, and `GET /v1/openapi.json` lists the table.
 */
import type { RouteConfig } from "@hono/zod-openapi";
import { ZodType } from "zod";
import { afterEach, describe, expect, it } from "vitest";
import { gitMissing } from "../../src/core/errors.ts";
import type { JsonRouteName, RouteName, StreamRouteName } from "../../src/server/api/spec.ts";
import { NDJSON, ROUTES } from "../../src/server/api/spec.ts";
import { LINES, TABLE } from "../../src/server/api/table.ts";
import { errorResponse } from "../../src/server/errors.ts";
import type { ApiHarness, Call } from "./api-kit.ts";
import { apiHarness, errorOf, lines } from "./api-kit.ts";

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.[Symbol.asyncDispose]();
  api = undefined;
});

function replySchema(name: JsonRouteName): ZodType {
  const route: RouteConfig = TABLE[name];
  const ok = route.responses[200];
  const media = ok !== undefined && "content" in ok ? ok.content?.["application/json"] : undefined;
  const schema = media !== undefined && "schema" in media ? media.schema : undefined;
  if (!(schema instanceof ZodType)) throw new Error(`${name}: no zod schema`);
  return schema;
}

/** Calls a JSON route and checks its reply against the table's schema. */
async function reply(a: ApiHarness, name: JsonRouteName, call?: Call): Promise<unknown> {
  const response = await a.call(name, call);
  const body: unknown = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  return replySchema(name).parse(body);
}

/** Calls a stream route and checks every line against the table's line schema. */
async function streamed(
  a: ApiHarness,
  name: StreamRouteName,
  call?: Call,
  until?: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>[]> {
  const response = await a.call(name, call);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe(NDJSON);
  const all = await lines(response, until);
  for (const line of all) if (line.type !== "error") LINES[name].parse(line);
  return all;
}

/** A running stage with a commit, ready for a completion request. */
async function runningWithCommit(a: ApiHarness, id: string) {
  const session = await a.h.launched(id);
  a.h.commit(id, `${id}.txt`, `${id}\n`);
  return { session, token: a.sessionToken(id) };
}

/** A stage at its human gate. */
async function atGate(a: ApiHarness, id: string) {
  const { token } = await runningWithCommit(a, id);
  await streamed(a, "completeStage", { params: { id }, token });
  await a.h.until("the gate", () => a.h.stage(id).state === "awaiting_verification");
}

describe("the OpenAPI document", () => {
  it("is served and lists every route of the table, streams with their NDJSON lines", async () => {
    api = await apiHarness([{ id: "a" }]);
    const doc = (await reply(api, "openapi")) as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string; responses: object }>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    const listed = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => `${method} ${path} ${op.operationId}`),
    );
    const expected = (Object.keys(ROUTES) as RouteName[]).map(
      (name) => `${ROUTES[name].method} ${ROUTES[name].path} ${name}`,
    );
    expect(listed.sort()).toEqual(expected.sort());
    for (const name of Object.keys(LINES) as StreamRouteName[]) {
      const op = doc.paths[ROUTES[name].path]?.[ROUTES[name].method];
      expect(JSON.stringify(op?.responses)).toContain(NDJSON);
    }
  });
});

describe("the daemon's routes", () => {
  it("health, notify and shutdown", async () => {
    api = await apiHarness([{ id: "a" }]);
    expect(await reply(api, "health")).toMatchObject({ ok: true, principal: "admin" });
    expect(await reply(api, "notify", { body: {} })).toEqual({ ok: true });
    expect(await reply(api, "notify", { body: { sessions: true } })).toEqual({ ok: true });
    expect(await reply(api, "shutdown")).toEqual({ ok: true });
    await new Promise((resolve) => setImmediate(resolve));
    expect(api.shutdowns).toBe(1);
  });
});

describe("the run's routes", () => {
  it("run and progress", async () => {
    api = await apiHarness([{ id: "a" }, { id: "b", dependencies: ["a"] }]);
    const accepted = await reply(api, "run", {
      body: { stage: "b", withDeps: true, maxParallel: 2, env: { PATH: process.env.PATH } },
    });
    expect(accepted).toMatchObject({ scope: ["a", "b"], maxParallel: 2, envChanged: true });
    await api.h.launched("a");
    expect(await reply(api, "progress")).toMatchObject({ done: false, active: true });
  });

  it("setFlow: pauses, drains and resumes, saying the mode before; a bad mode is a 400", async () => {
    api = await apiHarness([{ id: "a" }]);
    expect(await reply(api, "setFlow", { body: { mode: "paused", actor: "human:t" } })).toEqual({
      mode: "paused",
      previous: "running",
    });
    expect(await reply(api, "progress")).toMatchObject({ flow: "paused" });
    expect(await reply(api, "setFlow", { body: { mode: "draining" } })).toEqual({
      mode: "draining",
      previous: "paused",
    });
    const bad = await api.call("setFlow", { body: { mode: "frozen" } });
    expect(bad.status).toBe(400);
    expect(await reply(api, "setFlow", { body: { mode: "running" } })).toEqual({
      mode: "running",
      previous: "draining",
    });
  });

  it("keeps a refusal's code and exit code", async () => {
    api = await apiHarness([{ id: "a" }, { id: "b", dependencies: ["a"] }]);
    const unknown = await api.call("run", { body: { stage: "nosuch" } });
    expect(unknown.status).toBe(404);
    expect(await errorOf(unknown)).toMatchObject({ code: "STAGE_NOT_FOUND", exitCode: 5 });
    const unmet = await api.call("run", { body: { stage: "b" } });
    expect(unmet.status).toBe(409);
    expect(await errorOf(unmet)).toMatchObject({ code: "STAGE_DEPS_UNMET", unmet: ["a"] });
  });
});

describe("the event stream", () => {
  it("sends the log, caught_up, then live events, and resumes from a sequence number", async () => {
    api = await apiHarness([{ id: "a" }]);
    const past = await streamed(api, "events", {}, (line) => line.type === "caught_up");
    expect(past.at(-1)?.type).toBe("caught_up");
    const seq = Number(past.at(-1)?.seq);
    expect(past.some((line) => line.type === "plan.applied")).toBe(true);

    const response = await api.call("events", { query: { since: String(seq) } });
    const live = lines(response, (line) => line.type === "session.started");
    api.h.engine.requestRun({});
    await api.h.launched("a");
    const seen = await live;
    for (const line of seen) LINES.events.parse(line);
    expect(seen[0]).toEqual({ type: "caught_up", seq });
    expect(seen.every((line) => line.type === "caught_up" || Number(line.seq) > seq)).toBe(true);
    expect(seen.map((line) => line.type)).toContain("run.requested");
  });

  it("ends when the daemon closes its streams", async () => {
    api = await apiHarness([{ id: "a" }]);
    const response = await api.call("events");
    const all = lines(response);
    api.daemon.closeStreams();
    expect((await all).at(-1)?.type).toBe("caught_up");
  });
});

describe("a stage's routes", () => {
  it("completeStage streams progress, accepted, then the verdict; refusals come before it", async () => {
    api = await apiHarness([{ id: "a", acceptance: ["test -f a.txt"] }, { id: "b" }]);
    const missing = await api.call("completeStage", { params: { id: "nosuch" } });
    expect([missing.status, (await errorOf(missing)).exitCode]).toEqual([404, 5]);
    const idle = await api.call("completeStage", { params: { id: "b" } });
    expect(idle.status).toBe(409);
    expect(await errorOf(idle)).toMatchObject({ code: "STAGE_NOT_RUNNING", exitCode: 4 });

    api.h.engine.requestRun({ stage: "a" });
    const { token } = await runningWithCommit(api, "a");
    const all = await streamed(api, "completeStage", { params: { id: "a" }, token });
    expect(all.map((line) => line.type)).toEqual([
      "accepted",
      "check_started",
      "check_finished",
      "verdict",
    ]);
    expect(all.at(-1)).toMatchObject({ passed: true, stageId: "a" });
  });

  it("stageEvidence, approveStage and rejectStage at a gate", async () => {
    api = await apiHarness([
      { id: "g", verify: "human", acceptance: ["true"] },
      { id: "r", verify: "human" },
    ]);
    const early = await api.call("stageEvidence", { params: { id: "g" } });
    expect(early.status).toBe(409);
    expect(await errorOf(early)).toMatchObject({ code: "STAGE_NOT_AT_GATE", exitCode: 4 });
    api.h.engine.requestRun({});
    await atGate(api, "g");
    await atGate(api, "r");
    const evidence = await streamed(api, "stageEvidence", { params: { id: "g" } });
    expect(evidence.at(-1)).toMatchObject({ type: "evidence", passed: true, stageId: "g" });
    const approved = await reply(api, "approveStage", {
      params: { id: "g" },
      body: { reviewer: "human:test" },
    });
    expect(approved).toEqual({ ok: true, state: "verified" });

    const blank = await api.call("rejectStage", { params: { id: "r" }, body: { reason: " " } });
    expect([blank.status, (await errorOf(blank)).code]).toEqual([400, "REASON_REQUIRED"]);
    const rejected = await reply(api, "rejectStage", {
      params: { id: "r" },
      body: { reason: "say hello" },
    });
    expect(rejected).toMatchObject({ ok: true });
  });

  it("a stream that fails after it started ends with the error line, exit code kept", async () => {
    api = await apiHarness([{ id: "g", verify: "human" }]);
    api.h.engine.requestRun({});
    await atGate(api, "g");
    // The gate's diff needs the base branch: without it git fails (an environment error, 6).
    api.h.repo.git("branch", "-m", "main", "trunk");
    const all = await streamed(api, "stageEvidence", { params: { id: "g" } });
    expect(all.at(-1)).toMatchObject({
      type: "error",
      error: { code: "GIT_FAILED", exitCode: 6 },
    });
  });

  it("mergeStage, resolveStage (refused) and resumeStage", async () => {
    api = await apiHarness([{ id: "m", merge: "manual" }, { id: "k" }]);
    api.h.engine.requestRun({});
    const { token } = await runningWithCommit(api, "m");
    await streamed(api, "completeStage", { params: { id: "m" }, token });
    await api.h.until("completed", () => api?.h.stage("m").state === "completed");
    const merged = await reply(api, "mergeStage", { params: { id: "m" } });
    expect(merged).toMatchObject({ outcome: { kind: "merged" } });

    const k = await api.h.launched("k");
    const killed = await reply(api, "killSession", { params: { id: k.id } });
    expect(killed).toMatchObject({ session: { id: k.id } });
    await api.h.until("blocked", () => api?.h.stage("k").state === "blocked");
    // Blocked, but not by a conflict with the base: no resolution session.
    const refused = await api.call("resolveStage", { params: { id: "k" } });
    expect(refused.status).toBe(409);
    expect(await errorOf(refused)).toMatchObject({ code: "STAGE_NOT_CONFLICTED", exitCode: 4 });
    expect(await reply(api, "resumeStage", { params: { id: "k" } })).toMatchObject({ ok: true });
  });
});

describe("a session's routes", () => {
  it("getSession, sessionStarted, sessionHook and sessionExited with the session's own token", async () => {
    api = await apiHarness([{ id: "a" }]);
    api.h.engine.requestRun({});
    // The runner's part is played over HTTP here: its start report comes through the route.
    const { spec } = await api.h.backend.waitForLaunch("flux-a");
    const id = spec.env.FLUX_SESSION_ID ?? "";
    const call = { params: { id }, token: api.sessionToken("a") };
    expect(await reply(api, "getSession", call)).toMatchObject({ session: { id } });
    expect(await reply(api, "sessionStarted", { ...call, body: { pid: 4242 } })).toEqual({
      ok: true,
    });
    expect(api.h.session("a")).toMatchObject({ pid: 4242, status: "running" });
    const hook = { ...call, body: { event: "permission-request", tool: "Bash" } };
    expect(await reply(api, "sessionHook", hook)).toEqual({ decision: "none" });
    expect(api.h.session("a").waitingFor).toContain("Bash");
    const exited = { ...call, body: { code: 1, signal: null } };
    expect(await reply(api, "sessionExited", exited)).toEqual({ ok: true });
    expect(api.h.session("a").exitCode).toBe(1);
  });
});

describe("error replies", () => {
  it("an environment error is 503 with exit code 6, never an internal error", async () => {
    const response = errorResponse(gitMissing(), () => undefined);
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toMatchObject({ code: "GIT_MISSING", exitCode: 6 });
  });

  it("anything but a FluxError is a bug: 500 INTERNAL, its stack in the log", async () => {
    const logged: string[] = [];
    const response = errorResponse(new Error("boom"), (line) => logged.push(line));
    expect(response.status).toBe(500);
    expect(await errorOf(response)).toMatchObject({ code: "INTERNAL", exitCode: 1 });
    expect(logged.join("\n")).toContain("boom");
  });
});
