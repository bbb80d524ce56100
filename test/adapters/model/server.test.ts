/** The HTTP server: routes, side calls, errors, delays, usage, the request log. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ModelScriptError, type ModelServer } from "../../../src/adapters/model/index.ts";
import { fakeModel } from "../../kit/model.ts";
import { tempDir } from "../../kit/temp-repo.ts";
import { dig, recorded, sseJson, str } from "./helpers.ts";

const [claudeFirst] = recorded("claude");
const [codexFirst] = recorded("codex");
if (claudeFirst === undefined || codexFirst === undefined) throw new Error("fixtures missing");

function post(
  model: ModelServer,
  route: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return fetch(`${model.url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "secret", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const userOnly = (text: string, extra: Record<string, unknown> = {}) => ({
  model: "m",
  stream: true,
  tools: [{ name: "Bash" }],
  messages: [{ role: "user", content: text }],
  ...extra,
});

describe("startModelServer", () => {
  it("answers Claude's preflight, 404s and logs anything else", async () => {
    await using model = await fakeModel([]);
    expect((await fetch(model.url, { method: "HEAD" })).status).toBe(200);
    const missing = await fetch(`${model.url}/v2/nothing?x=1`);
    expect(missing.status).toBe(404);
    expect(model.requests().map((r) => [r.api, r.method, r.path, r.response_kind])).toEqual([
      ["probe", "HEAD", "/", "probe"],
      ["unknown", "GET", "/v2/nothing?x=1", "not_found"],
    ]);
  });

  it("streams a scripted turn to a recorded Claude request and logs it redacted", async () => {
    const dir = tempDir();
    try {
      const log = path.join(dir, "requests.jsonl");
      await using model = await fakeModel([{ write: { path: "a.txt", content: "${TURN}" } }], {
        log,
      });
      const res = await post(
        model,
        "/v1/messages?beta=true",
        claudeFirst.body,
        claudeFirst.headers,
      );
      expect(res.status).toBe(200);
      const events = sseJson(await res.text());
      const json = events
        .filter((e) => e.type === "content_block_delta")
        .map((e) => str(dig(e, "delta", "partial_json")))
        .join("");
      expect(JSON.parse(json)).toEqual({ file_path: "/tmp/flux-fixture-repo/a.txt", content: "0" });
      const [entry] = model.requests();
      expect(entry).toMatchObject({
        n: 1,
        api: "anthropic",
        path: "/v1/messages?beta=true",
        script: "default",
        turn: 0,
        response_kind: "write",
        status: 200,
      });
      expect(entry?.headers["x-api-key"]).toBe("[redacted]");
      const lines = fs.readFileSync(log, "utf8").trim().split("\n");
      expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(model.requests());
      expect(fs.readFileSync(log, "utf8")).not.toContain("secret");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sends scripted errors with their status, in each API's shape", async () => {
    await using model = await fakeModel([
      { error: { status: 529, type: "overloaded_error", message: "Overloaded" } },
    ]);
    const claude = await post(model, "/v1/messages", userOnly("hi"));
    expect(claude.status).toBe(529);
    expect(await claude.json()).toEqual({
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    });
    const codex = await post(model, "/v1/responses", codexFirst.body);
    expect(codex.status).toBe(529);
    expect(await codex.json()).toMatchObject({ error: { type: "overloaded_error" } });
    expect(model.requests().map((r) => r.response_kind)).toEqual(["error", "error"]);
  });

  it("waits delay_ms before answering, logging the request on arrival", async () => {
    await using model = await fakeModel([{ text: "late", delay_ms: 300 }]);
    const started = Date.now();
    const answer = post(model, "/v1/messages", userOnly("hi", { stream: false }));
    const logged = await model.waitForRequest((r) => r.api === "anthropic");
    expect(logged.response_kind).toBe("text");
    const res = await answer;
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await res.json()).toMatchObject({ content: [{ type: "text", text: "late" }] });
  });

  it("closes promptly while an answer is delayed", async () => {
    const model = await fakeModel([{ text: "never", delay_ms: 60_000 }]);
    const answer = post(model, "/v1/messages", userOnly("hi")).then(
      () => "answered",
      () => "failed",
    );
    await model.waitForRequest(() => true);
    const started = Date.now();
    await model.close();
    expect(await answer).toBe("failed");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("reports scripted usage, and estimates it from the request size otherwise", async () => {
    await using model = await fakeModel([
      { text: "a", usage: { input_tokens: 7, cache_read_input_tokens: 190000, output_tokens: 3 } },
      { shell: "ls" },
    ]);
    const first = sseJson(await (await post(model, "/v1/messages", userOnly("hi"))).text());
    expect(first.find((e) => e.type === "message_delta")?.usage).toEqual({
      input_tokens: 7,
      output_tokens: 3,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 190000,
    });
    const body = JSON.stringify(
      userOnly("hi", {
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: "a" },
          { role: "user", content: "more" },
        ],
      }),
    );
    const second = sseJson(await (await post(model, "/v1/messages", body)).text());
    expect(
      dig(
        second.find((e) => e.type === "message_delta"),
        "usage",
        "input_tokens",
      ),
    ).toBe(Math.ceil(Buffer.byteLength(body) / 4));
    expect(model.requests().map((r) => [r.turn, r.response_kind])).toEqual([
      [0, "text"],
      [1, "shell"],
    ]);
  });

  it("answers title requests with an instance of their schema, outside the script", async () => {
    await using model = await fakeModel([{ shell: "never for a title" }]);
    const schema = {
      type: "object",
      properties: { title: { type: "string" } },
      required: ["title"],
    };
    const res = await post(model, "/v1/messages", {
      ...userOnly("hi", { stream: false, tools: [] }),
      system: [{ type: "text", text: "Generate a concise, sentence-case title for this." }],
      output_config: { format: { type: "json_schema", schema } },
    });
    const message: unknown = await res.json();
    expect(JSON.parse(str(dig(message, "content", 0, "text")))).toEqual({
      title: "Scripted session",
    });
    expect(model.requests()[0]).toMatchObject({ response_kind: "title", script: null, turn: null });
  });

  it("answers a compaction with the script's summary in <summary>", async () => {
    await using model = await fakeModel({ turns: [], compact: "We wrote a.txt." });
    const ask = "Your task is to create a detailed summary of the conversation so far. <analysis>";
    const res = await post(model, "/v1/messages", userOnly(ask, { stream: false }));
    const text = str(dig(await res.json(), "content", 0, "text"));
    expect(text).toMatch(/<summary>\s*We wrote a\.txt\.\s*<\/summary>/);
    expect(model.requests()[0]?.response_kind).toBe("compact");
  });

  it("counts tokens", async () => {
    await using model = await fakeModel([]);
    const body = JSON.stringify(userOnly("count me"));
    const res = await post(model, "/v1/messages/count_tokens", body);
    expect(await res.json()).toEqual({ input_tokens: Math.ceil(Buffer.byteLength(body) / 4) });
  });

  it("explains a missing script with a 400 the CLI shows", async () => {
    await using model = await fakeModel({ scripts: { only: [] } });
    const res = await post(model, "/v1/messages", userOnly("no marker here"));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: {
        type: "invalid_request_error",
        message: expect.stringContaining("scripts: only") as string,
      },
    });
    expect(model.requests()[0]).toMatchObject({ response_kind: "script_error", status: 400 });
  });

  it("rejects a body that is not JSON", async () => {
    await using model = await fakeModel([]);
    const res = await post(model, "/v1/chat/completions", "{nope");
    expect(res.status).toBe(400);
    expect(model.requests()[0]).toMatchObject({ response_kind: "bad_request", body: "{nope" });
  });

  it("swaps scripts, validating them", async () => {
    await using model = await fakeModel([{ text: "one" }]);
    model.setScript([{ text: "two" }]);
    const res = await post(model, "/v1/messages", userOnly("hi", { stream: false }));
    expect(await res.json()).toMatchObject({ content: [{ text: "two" }] });
    expect(() => model.setScript([{ nope: 1 }] as never)).toThrow(ModelScriptError);
  });

  it("refuses an invalid script at start", async () => {
    await expect(fakeModel([{ shell: "" }])).rejects.toThrow(ModelScriptError);
  });
});
