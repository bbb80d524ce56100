/**
 * The handoff routes in process, over a real engine and store: a session hands its own stage
 * off with a markdown or JSON document, a refused document is a 400 naming what is missing,
 * another stage's session is refused, and the OpenAPI document lists both routes.
 */
import { afterEach, describe, expect, it } from "vitest";
import { TABLE } from "../../src/server/api/table.ts";
import type { ApiReply } from "../../src/server/api/types.ts";
import type { ApiHarness } from "./api-kit.ts";
import { apiHarness, errorOf } from "./api-kit.ts";

const DOCUMENT = `# Handoff

## Summary

The parser works; the renderer is half done.

## Completed

- parser

## Remaining

- Render the facts: \`src/render.ts:40-80\`

## Decisions

None.

## Open questions

None.
`;

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.[Symbol.asyncDispose]();
  api = undefined;
});

/** The reply, checked against the route table's own schema (strict objects included). */
function replyOf<N extends "createHandoff" | "listHandoffs">(name: N, body: unknown): ApiReply<N> {
  const ok = TABLE[name].responses[200];
  return ok.content["application/json"].schema.parse(body) as ApiReply<N>;
}

async function running(stages = [{ id: "a" }, { id: "b" }]): Promise<ApiHarness> {
  const a = await apiHarness(stages);
  a.h.engine.requestRun({});
  for (const stage of stages) await a.h.launched(stage.id);
  return a;
}

describe("createHandoff", () => {
  it("stores a session's handoff for its own stage; the stage goes to needs_handoff", async () => {
    api = await running();
    const session = api.h.session("a");
    const response = await api.call("createHandoff", {
      params: { id: "a" },
      token: api.sessionToken("a"),
      body: { document: DOCUMENT },
    });
    const body: unknown = await response.json();
    expect(response.status, JSON.stringify(body)).toBe(200);
    const { handoff } = replyOf("createHandoff", body);
    expect(handoff).toMatchObject({
      stageId: "a",
      number: 1,
      sessionId: session.id,
      author: "agent",
      handoff: {
        summary: "The parser works; the renderer is half done.",
        completed: ["parser"],
        remaining: [
          { task: "Render the facts: `src/render.ts:40-80`", refs: ["src/render.ts:40-80"] },
        ],
        decisions: [],
        questions: [],
      },
    });
    expect(api.h.stage("a").state).toBe("needs_handoff");

    const listed = await api.call("listHandoffs", {
      params: { id: "a" },
      token: api.sessionToken("a"),
    });
    expect(listed.status).toBe(200);
    expect(replyOf("listHandoffs", await listed.json())).toEqual({ handoffs: [handoff] });
  });

  it("takes JSON too, and the admin may hand a stage off for its live session", async () => {
    api = await running([{ id: "a" }]);
    const document = JSON.stringify({
      summary: "Half done.",
      completed: [],
      remaining: [{ task: "renderer", refs: ["src/r.ts:1"] }],
      decisions: ["keep the parser"],
      questions: [],
    });
    const response = await api.call("createHandoff", { params: { id: "a" }, body: { document } });
    const body: unknown = await response.json();
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(replyOf("createHandoff", body).handoff).toMatchObject({
      number: 1,
      sessionId: api.h.session("a").id,
      handoff: { decisions: ["keep the parser"] },
    });
  });

  it("refuses a document it cannot use with a 400 naming every missing section", async () => {
    api = await running([{ id: "a" }]);
    const response = await api.call("createHandoff", {
      params: { id: "a" },
      token: api.sessionToken("a"),
      body: { document: "## Summary\n\nHalf done.\n\n## Remaining\n\n- write the docs\n" },
    });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: "HANDOFF_INVALID", exitCode: 2 });
    expect(error.message).toBe(
      'handoff refused: missing sections: ## Completed, ## Decisions, ## Open questions; remaining task without a file:line reference (e.g. `src/app.ts:42`): "write the docs"',
    );
    expect(error.hint).toContain("## Open questions");
    expect(api.h.stage("a").state).toBe("running");
  });

  it("refuses another stage's session: a session hands off only its own stage", async () => {
    api = await running();
    for (const name of ["createHandoff", "listHandoffs"] as const) {
      const response = await api.call(name, {
        params: { id: "b" },
        token: api.sessionToken("a"),
        body: name === "createHandoff" ? { document: DOCUMENT } : undefined,
      });
      expect(response.status).toBe(403);
      expect(await errorOf(response)).toMatchObject({ code: "FORBIDDEN" });
    }
    expect(api.h.stage("b").state).toBe("running");
  });
});

describe("listHandoffs", () => {
  it("answers an empty list, or STAGE_NOT_FOUND for an unknown stage", async () => {
    api = await apiHarness([{ id: "a" }]);
    const empty = await api.call("listHandoffs", { params: { id: "a" } });
    expect(await empty.json()).toEqual({ handoffs: [] });
    const unknown = await api.call("listHandoffs", { params: { id: "nosuch" } });
    expect(unknown.status).toBe(404);
    expect(await errorOf(unknown)).toMatchObject({ code: "STAGE_NOT_FOUND", exitCode: 5 });
  });
});

describe("the OpenAPI document", () => {
  it("lists both routes with their principal and the HandoffRecord schema", async () => {
    api = await apiHarness([{ id: "a" }]);
    const doc = (await (await api.call("openapi")).json()) as {
      paths: Record<string, Record<string, { operationId: string; "x-flux-principal": string }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.paths["/v1/stages/{id}/handoff"]?.post).toMatchObject({
      operationId: "createHandoff",
      "x-flux-principal": "stage",
    });
    expect(doc.paths["/v1/stages/{id}/handoffs"]?.get).toMatchObject({
      operationId: "listHandoffs",
      "x-flux-principal": "stage",
    });
    expect(Object.keys(doc.components.schemas)).toContain("HandoffRecord");
  });
});
