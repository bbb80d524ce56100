/** What the server reads from each CLI's requests: turn, first prompt, cwd, session, side calls. */
import { describe, expect, it } from "vitest";
import { anthropic } from "../../../src/adapters/model/anthropic.ts";
import { chat } from "../../../src/adapters/model/chat.ts";
import { responses } from "../../../src/adapters/model/responses.ts";
import type { WireFormat } from "../../../src/adapters/model/wire.ts";
import { FIXTURE_CWD, recorded } from "./helpers.ts";

const cases: [string, WireFormat, "claude" | "codex" | "opencode"][] = [
  ["Claude Code", anthropic, "claude"],
  ["Codex", responses, "codex"],
  ["opencode", chat, "opencode"],
];

describe.each(cases)("%s requests", (_name, wire, cli) => {
  const main = recorded(cli).filter((r) => !r.note.includes("title"));

  it("count the model's earlier answers as the turn", () => {
    expect(main.map((r) => wire.view(r.body, r.headers).conversation.turn)).toEqual([0, 1, 2]);
  });

  it("carry the marker, the working directory and the session", () => {
    for (const r of main) {
      const view = wire.view(r.body, r.headers);
      expect(view.conversation.firstPrompt).toContain("[[script:fix]]");
      expect(view.conversation.cwd).toBe(FIXTURE_CWD);
      expect(view.conversation.session).toMatch(/\w{8}/);
      expect(view.side).toBeUndefined();
      expect(view.stream).toBe(true);
    }
  });
});

describe("Claude Code", () => {
  const [first] = recorded("claude");
  if (first === undefined) throw new Error("no recorded request");

  it("does not count mid-conversation system messages as turns", () => {
    const messages = first.body.messages as { role: string }[];
    expect(messages.map((m) => m.role)).toContain("system");
    expect(anthropic.view(first.body, first.headers).conversation.turn).toBe(0);
  });

  it("takes the session from metadata when the header is missing", () => {
    const view = anthropic.view(first.body, {});
    expect(view.conversation.session).toBe(first.headers["x-claude-code-session-id"]);
  });

  it("recognises a title request with a JSON schema, and a compaction", () => {
    const schema = { type: "object", properties: { title: { type: "string" } } };
    const title = anthropic.view(
      {
        system: [{ type: "text", text: "Generate a concise, sentence-case title for it" }],
        messages: [{ role: "user", content: "hello" }],
        tools: [],
        output_config: { format: { type: "json_schema", schema } },
      },
      {},
    );
    expect(title.side).toEqual({ kind: "title", schema });
    const summary = "Your task is to create a detailed summary of the conversation so far, …";
    const messages = [...(first.body.messages as unknown[]), { role: "user", content: summary }];
    expect(anthropic.view({ ...first.body, messages }, {}).side).toEqual({ kind: "compact" });
  });
});

describe("Codex", () => {
  it("counts a message and the function call after it as one answer", () => {
    const last = recorded("codex")[2];
    const input = last?.body.input as { type: string; role?: string }[];
    expect(input.filter((i) => i.role === "assistant" || i.type === "function_call")).toHaveLength(
      3,
    );
    expect(responses.view(last?.body ?? {}, {}).conversation.turn).toBe(2);
  });

  it("lists the offered tools, exec_command among them", () => {
    const [first] = recorded("codex");
    expect(responses.view(first?.body ?? {}, {}).tools).toContain("exec_command");
  });
});

describe("opencode", () => {
  it("answers its title request aside", () => {
    const title = recorded("opencode").find((r) => r.note.includes("title"));
    expect(chat.view(title?.body ?? {}, title?.headers ?? {}).side).toEqual({ kind: "title" });
  });

  it("recognises a compaction by its system prompt", () => {
    const body = {
      messages: [
        { role: "system", content: "You are a context summarization agent. Summarize." },
        { role: "user", content: "..." },
      ],
    };
    expect(chat.view(body, {}).side).toEqual({ kind: "compact" });
  });
});
