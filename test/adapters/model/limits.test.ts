/** Scripted errors with headers and body fields, and limits that reset: one server, a fake clock. */
import { describe, expect, it } from "vitest";
import {
  ModelScriptError,
  parseScript,
  startModelServer,
  type ModelServer,
  type ScriptInput,
} from "../../../src/adapters/model/index.ts";
import { resetVars } from "../../../src/adapters/model/limits.ts";
import { recorded } from "./helpers.ts";

const [codexFirst] = recorded("codex");
if (codexFirst === undefined) throw new Error("fixtures missing");

const T0 = Date.parse("2026-11-22T10:00:00.000Z");

/** A server whose clock the test moves. */
async function server(script: ScriptInput): Promise<ModelServer & { clock: { now: number } }> {
  const clock = { now: T0 };
  const model = await startModelServer({ script, now: () => clock.now });
  return Object.assign(model, { clock });
}

const claudeBody = (turns: number) => ({
  model: "m",
  stream: false,
  tools: [{ name: "Bash" }],
  messages: [
    { role: "user", content: "go" },
    ...Array.from({ length: turns }, () => [
      { role: "assistant", content: "ok" },
      { role: "user", content: "more" },
    ]).flat(),
  ],
});

function post(model: ModelServer, route: string, body: unknown) {
  return fetch(`${model.url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

function parseError(input: unknown): string {
  try {
    parseScript(input);
  } catch (error) {
    if (error instanceof ModelScriptError) return error.message;
    throw error;
  }
  throw new Error("the script was accepted");
}

describe("scripted errors", () => {
  it("send their headers and body fields, with the reset placeholders expanded", async () => {
    await using model = await server([
      {
        error: {
          status: 429,
          type: "rate_limit_error",
          message: "limited until ${RESET_ISO}",
          headers: {
            "retry-after": "${RESET_IN}",
            "anthropic-ratelimit-requests-reset": "${RESET_ISO}",
            "anthropic-ratelimit-unified-reset": "${RESET_EPOCH}",
          },
          body: { details: { at: "${RESET_EPOCH_MS}" } },
          reset_in_ms: 2_500,
        },
      },
    ]);
    const res = await post(model, "/v1/messages", claudeBody(0));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    expect(res.headers.get("anthropic-ratelimit-requests-reset")).toBe("2026-11-22T10:00:02.500Z");
    expect(res.headers.get("anthropic-ratelimit-unified-reset")).toBe(
      String(Math.floor((T0 + 2_500) / 1000)),
    );
    expect(await res.json()).toEqual({
      type: "error",
      error: {
        type: "rate_limit_error",
        message: "limited until 2026-11-22T10:00:02.500Z",
        details: { at: String(T0 + 2_500) },
      },
    });
    expect(model.requests()[0]).toMatchObject({ response_kind: "error", status: 429 });
  });

  it("put body fields into OpenAI's error object; a lone numeric placeholder is a number", async () => {
    await using model = await server([
      {
        error: {
          status: 429,
          type: "usage_limit_reached",
          message: "The usage limit has been reached",
          body: {
            code: "usage_limit_reached",
            resets_at: "${RESET_EPOCH}",
            resets_in_seconds: "${RESET_IN}",
            plan_type: "plus",
          },
        },
      },
    ]);
    const res = await post(model, "/v1/responses", codexFirst.body);
    expect(await res.json()).toEqual({
      error: {
        message: "The usage limit has been reached",
        type: "usage_limit_reached",
        code: "usage_limit_reached",
        param: null,
        resets_at: (T0 + 60_000) / 1000,
        resets_in_seconds: 60,
        plan_type: "plus",
      },
    });
  });
});

describe("scripted limits", () => {
  const limited: ScriptInput = {
    scripts: {
      quota: [
        { shell: "echo first" },
        {
          limit: {
            status: 429,
            type: "rate_limit_error",
            message: "resets at ${RESET_EPOCH}",
            headers: { "retry-after": "${RESET_IN}" },
            for_ms: 3_000,
          },
          end: true,
          text: "Back.",
        },
      ],
    },
  };

  it("answer with the error until for_ms after the first answer, then with the turn", async () => {
    await using model = await server(limited);
    const ask = () =>
      post(model, "/v1/messages", {
        ...claudeBody(1),
        messages: [
          { role: "user", content: "[[script:quota]]" },
          ...claudeBody(1).messages.slice(1),
        ],
      });
    const first = await ask();
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("3");
    const epoch = String((T0 + 3_000) / 1000);
    expect(await first.json()).toMatchObject({ error: { message: `resets at ${epoch}` } });

    model.clock.now = T0 + 2_000;
    const second = await ask();
    expect(second.status).toBe(429);
    // The same reset instant: counted from the first answer, not from this one.
    expect(second.headers.get("retry-after")).toBe("1");
    expect(await second.json()).toMatchObject({ error: { message: `resets at ${epoch}` } });

    model.clock.now = T0 + 3_000;
    const third = await ask();
    expect(third.status).toBe(200);
    expect(await third.json()).toMatchObject({ content: [{ type: "text", text: "Back." }] });
    expect(model.requests().map((r) => [r.script, r.turn, r.response_kind, r.status])).toEqual([
      ["quota", 1, "limit", 429],
      ["quota", 1, "limit", 429],
      ["quota", 1, "end", 200],
    ]);
  });

  it("start afresh with a new script", async () => {
    await using model = await server([
      {
        limit: { status: 529, type: "overloaded_error", message: "busy", for_ms: 1_000 },
        text: "ok",
      },
    ]);
    expect((await post(model, "/v1/messages", claudeBody(0))).status).toBe(529);
    model.clock.now = T0 + 5_000;
    expect((await post(model, "/v1/messages", claudeBody(0))).status).toBe(200);
    model.setScript([
      {
        limit: { status: 529, type: "overloaded_error", message: "busy", for_ms: 1_000 },
        text: "ok",
      },
    ]);
    expect((await post(model, "/v1/messages", claudeBody(0))).status).toBe(529);
  });

  it("are validated", () => {
    expect(parseError([{ limit: { status: 429, type: "x", message: "m", for_ms: 5 } }])).toContain(
      "a limit wraps a turn",
    );
    expect(
      parseError([
        {
          limit: { status: 429, type: "x", message: "m", for_ms: 5 },
          error: { status: 500, type: "x", message: "m" },
        },
      ]),
    ).toContain("a limit wraps a turn that answers, not an error");
    expect(parseError([{ limit: { status: 429, type: "x", message: "m" }, text: "t" }])).toMatch(
      /for_ms/,
    );
    expect(
      parseError([
        { error: { status: 429, type: "x", message: "m", headers: { "bad name": "1" } } },
      ]),
    ).toMatch(/headers\["bad name"\]/);
  });
});

describe("resetVars", () => {
  it("names the instant in seconds, ms, ISO, and whole seconds left rounded up", () => {
    expect(resetVars(T0 + 1_001, T0)).toEqual({
      RESET_EPOCH: String(Math.floor((T0 + 1_001) / 1000)),
      RESET_EPOCH_MS: String(T0 + 1_001),
      RESET_ISO: "2026-11-22T10:00:01.001Z",
      RESET_IN: "2",
    });
    expect(resetVars(T0, T0 + 5_000).RESET_IN).toBe("0");
  });
});
