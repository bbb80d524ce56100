import { describe, expect, it } from "vitest";
import {
  ModelScriptError,
  parseScript,
  resolveTurn,
  type Conversation,
  type ScriptInput,
} from "../../../src/adapters/model/index.ts";

const conv = (over: Partial<Conversation> = {}): Conversation => ({
  firstPrompt: "do the task",
  turn: 0,
  cwd: "/repo",
  session: "ses_1",
  ...over,
});

function parseError(input: unknown): ModelScriptError {
  try {
    parseScript(input, "test.json");
  } catch (error) {
    if (error instanceof ModelScriptError) return error;
    throw error;
  }
  throw new Error("the script was accepted");
}

describe("parseScript", () => {
  it("takes a list of turns as the default script, with Done. after it", () => {
    expect(parseScript([{ text: "hi" }])).toEqual({
      scripts: { default: { turns: [{ text: "hi" }], after_end: "Done." } },
      byMarker: false,
      compact: expect.any(String) as string,
    });
  });

  it("takes named scripts, as lists or with their own after_end", () => {
    const script = parseScript({
      scripts: { a: [{ shell: "ls" }], b: { turns: [], after_end: "Bye." } },
      after_end: "Fin.",
      compact: "S",
    });
    expect(script.scripts.a?.after_end).toBe("Fin.");
    expect(script.scripts.b?.after_end).toBe("Bye.");
    expect(script.compact).toBe("S");
  });

  it("names the file, the path and the problem", () => {
    const error = parseError([{ text: "ok" }, { shel: "ls" }]);
    expect(error.code).toBe("MODEL_SCRIPT_INVALID");
    expect(error.message).toContain("test.json");
    expect(error.message).toMatch(/shel/);
    expect(error.message).toMatch(/at \[1\]|\[1\]/);
    expect(error.hint).toContain("script.ts");
  });

  it("refuses a turn with two actions, or none", () => {
    expect(parseError([{ shell: "ls", write: { path: "a", content: "" } }]).message).toContain(
      "a turn has one action, this one has shell and write",
    );
    expect(parseError([{ delay_ms: 5 }]).message).toContain("a turn needs text or one of");
  });

  it("checks error statuses, usage and delays", () => {
    expect(parseError([{ error: { status: 200, type: "x", message: "m" } }]).message).toMatch(
      /error\.status/,
    );
    expect(parseError([{ text: "a", usage: { input_tokens: -1 } }]).message).toMatch(
      /input_tokens/,
    );
    expect(parseError([{ text: "a", delay_ms: 1.5 }]).message).toMatch(/delay_ms/);
    expect(parseError({ scripts: { "bad name": [] } }).message).toMatch(/bad name|scripts/);
    expect(parseError("nope").message).toContain("invalid model test.json");
  });
});

describe("resolveTurn", () => {
  const multi: ScriptInput = {
    scripts: {
      default: [{ text: "default ${TURN}" }],
      fix: [
        { shell: "cd ${CWD} && echo ${SESSION} ${TURN}" },
        { write: { path: "${CWD}/a.txt", content: "${UNKNOWN} stays" } },
        { end: true },
        { text: "never reached" },
      ],
    },
  };

  it("picks the script named by the marker in the first prompt", () => {
    const script = parseScript(multi);
    const got = resolveTurn(script, conv({ firstPrompt: "go [[script:fix]] now" }));
    expect(got).toMatchObject({
      ok: true,
      script: "fix",
      index: 0,
      kind: "shell",
      turn: { shell: "cd /repo && echo ses_1 0" },
    });
  });

  it("answers every conversation from a single script, marker or not", () => {
    const got = resolveTurn(parseScript([{ text: "only" }]), conv({ firstPrompt: "[[script:x]]" }));
    expect(got).toMatchObject({ ok: true, script: "default", turn: { text: "only" } });
  });

  it("falls back to the default script", () => {
    const got = resolveTurn(parseScript(multi), conv({ turn: 0 }));
    expect(got).toMatchObject({ ok: true, script: "default", turn: { text: "default 0" } });
  });

  it("expands placeholders deeply and keeps unknown ones", () => {
    const got = resolveTurn(parseScript(multi), conv({ firstPrompt: "[[script:fix]]", turn: 1 }));
    expect(got).toMatchObject({
      kind: "write",
      turn: { write: { path: "/repo/a.txt", content: "${UNKNOWN} stays" } },
    });
    const noCwd = resolveTurn(parseScript([{ shell: "ls ${CWD}" }]), conv({ cwd: undefined }));
    expect(noCwd).toMatchObject({ turn: { shell: "ls ${CWD}" } });
  });

  it("ends at an end turn: its text defaults to after_end, later turns are after_end", () => {
    const script = parseScript(multi);
    const prompt = "[[script:fix]]";
    expect(resolveTurn(script, conv({ firstPrompt: prompt, turn: 2 }))).toMatchObject({
      kind: "end",
      turn: { end: true, text: "Done." },
    });
    expect(resolveTurn(script, conv({ firstPrompt: prompt, turn: 3 }))).toMatchObject({
      kind: "after_end",
      turn: { text: "Done." },
    });
  });

  it("answers after_end past the last turn", () => {
    const script = parseScript({ turns: [{ text: "one" }], after_end: "Nothing left." });
    expect(resolveTurn(script, conv({ turn: 5 }))).toMatchObject({
      ok: true,
      index: 5,
      kind: "after_end",
      turn: { text: "Nothing left." },
    });
  });

  it("explains an unknown marker or a missing default", () => {
    const script = parseScript({ scripts: { a: [], b: [] } });
    expect(resolveTurn(script, conv({ firstPrompt: "[[script:zzz]]" }))).toEqual({
      ok: false,
      script: "zzz",
      message: 'fake model: no script named "zzz" (scripts: a, b)',
    });
    expect(resolveTurn(script, conv())).toEqual({
      ok: false,
      script: null,
      message: "fake model: no [[script:name]] marker and no default script (scripts: a, b)",
    });
  });
});
