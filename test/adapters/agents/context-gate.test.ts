/**
 * Claude's context gate (claude/context-gate.ts): the shell script run around every tool call.
 * Run for real with sh, a transcript in Claude's format and a stand-in `flux` that records
 * what it was given.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  CONTEXT_MARKER,
  contextGateScript,
} from "../../../src/adapters/agents/claude/context-gate.ts";
import { shellQuote } from "../../../src/core/shell.ts";
import { tempDir } from "../../kit/temp-repo.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A transcript line of a main-thread (or subagent) assistant message with this usage. */
function assistant(tokens: number, sidechain = false, toolId = "toolu_1"): string {
  return JSON.stringify({
    type: "assistant",
    isSidechain: sidechain,
    message: {
      role: "assistant",
      usage: {
        input_tokens: tokens - 1000,
        cache_creation_input_tokens: 400,
        cache_read_input_tokens: 600,
        output_tokens: 5,
      },
      content: [{ type: "tool_use", id: toolId, name: "Bash", input: { command: "ls" } }],
    },
  });
}

function gate(lines: string[] | undefined, marker = false) {
  dir = tempDir("flux-gate-");
  const session = path.join(dir, "session");
  fs.mkdirSync(session);
  const calls = path.join(dir, "calls");
  const flux = path.join(dir, "flux");
  fs.writeFileSync(
    flux,
    `#!/bin/sh\n{ echo "$*"; cat; echo; } >> ${shellQuote(calls)}\necho '{"decision":"block"}'\n`,
  );
  fs.chmodSync(flux, 0o755);
  const script = path.join(dir, "gate.sh");
  fs.writeFileSync(
    script,
    contextGateScript({ sessionDir: session, flux: shellQuote(flux), warnTokens: 120_000 }),
  );
  if (marker) fs.writeFileSync(path.join(session, CONTEXT_MARKER), "");
  const transcript = path.join(dir, "t.jsonl");
  if (lines !== undefined) fs.writeFileSync(transcript, `${lines.join("\n")}\n`);
  const payload = JSON.stringify({
    session_id: "s",
    transcript_path: transcript,
    tool_name: "Bash",
  });
  const out = execFileSync("sh", [script, "post"], { input: payload, encoding: "utf8" });
  const called = fs.existsSync(calls) ? fs.readFileSync(calls, "utf8") : "";
  return { out, called, payload };
}

describe("the context gate", () => {
  it("returns at once below warn, without calling flux", () => {
    const { out, called } = gate([assistant(50_000), assistant(119_999)]);
    expect(out).toBe("");
    expect(called).toBe("");
  });

  it("hands the payload to `flux hook context` from warn on, and passes its answer through", () => {
    const { out, called, payload } = gate([assistant(50_000), assistant(120_000)]);
    expect(out).toBe('{"decision":"block"}\n');
    expect(called).toBe(`hook context post\n${payload}\n`);
  });

  it("reads the last main-thread message: a subagent's usage does not count", () => {
    expect(gate([assistant(150_000), assistant(10_000, true)]).called).not.toBe("");
    expect(gate([assistant(10_000), assistant(150_000, true)]).called).toBe("");
  });

  it("asks flux whenever the daemon left its marker, or the transcript cannot be read", () => {
    expect(gate([assistant(10_000)], true).called).toMatch(/^hook context post\n/);
    expect(gate(undefined).called).toMatch(/^hook context post\n/);
  });

  it("before a tool, waits for the transcript line of the message that asked for it", async () => {
    dir = tempDir("flux-gate-");
    const session = path.join(dir, "session");
    fs.mkdirSync(session);
    const calls = path.join(dir, "calls");
    const flux = path.join(dir, "flux");
    fs.writeFileSync(flux, `#!/bin/sh\necho "$*" >> ${shellQuote(calls)}\n`);
    fs.chmodSync(flux, 0o755);
    const script = path.join(dir, "gate.sh");
    const gateText = contextGateScript({
      sessionDir: session,
      flux: shellQuote(flux),
      warnTokens: 120_000,
    });
    fs.writeFileSync(script, gateText);
    const transcript = path.join(dir, "t.jsonl");
    fs.writeFileSync(transcript, `${assistant(10_000, false, "toolu_old")}\n`);
    const payload = JSON.stringify({ transcript_path: transcript, tool_use_id: "toolu_new" });
    const child = spawn("sh", [script, "pre"], { stdio: ["pipe", "ignore", "inherit"] });
    child.stdin.end(payload);
    // Claude appends the message a moment after the hook started: a jump past the limit.
    fs.appendFileSync(transcript, `${assistant(190_000, false, "toolu_new")}\n`);
    await new Promise((resolve) => child.once("close", resolve));
    expect(fs.readFileSync(calls, "utf8")).toBe("hook context pre\n");
  });
});
