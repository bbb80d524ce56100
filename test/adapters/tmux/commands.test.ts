import { describe, expect, it } from "vitest";
import { isNamedKey, lastLines } from "../../../src/adapters/sessions/index.ts";
import type { StartSession } from "../../../src/adapters/sessions/index.ts";
import {
  TMUX_COMMAND_LIMIT,
  chain,
  commandBytes,
  escapeArg,
  isNoServer,
  isNotFound,
  isTmuxSupported,
  newSessionCommand,
  parseSessionList,
  runShellCommand,
  sendKeysCommands,
  splitBytes,
} from "../../../src/adapters/tmux/index.ts";
import { FluxError } from "../../../src/core/errors.ts";

const spec = (over: Partial<StartSession> = {}): StartSession => ({
  name: "flux-a",
  cwd: "/repo/.worktrees/a",
  argv: ["/usr/bin/node", "/abs/bin/flux.js", "runner", "ses_1"],
  env: { FLUX_SESSION_ID: "ses_1" },
  logFile: "/unused",
  ...over,
});
const size = { width: 200, height: 50 };

describe("newSessionCommand", () => {
  it("pins the whole command: option first, then the session, argv after --", () => {
    expect(newSessionCommand(spec(), size)).toEqual([
      "set-option", "-g", "remain-on-exit", "off", ";",
      "new-session", "-d", "-P", "-F", "#{pane_pid}", "-s", "flux-a",
      "-c", "/repo/.worktrees/a", "-x", "200", "-y", "50",
      "-e", "FLUX_SESSION_ID=ses_1",
      "--", "/usr/bin/node", "/abs/bin/flux.js", "runner", "ses_1",
    ]); // prettier-ignore
  });

  it("with a session-closed script: the server outlives its last session, and runs it", () => {
    const command = newSessionCommand(spec(), size, "/repo/.work/bin/session-closed");
    expect(command.slice(0, command.indexOf("new-session"))).toEqual([
      "set-option", "-g", "remain-on-exit", "off", ";",
      "set-option", "-s", "exit-empty", "off", ";",
      "set-hook", "-g", "session-closed", `run-shell -b "/repo/.work/bin/session-closed"`, ";",
    ]); // prettier-ignore
    // Three layers read it: tmux's parser, run-shell's formats, then sh.
    expect(runShellCommand('/a b/it\'s #1 $x "q"\\')).toBe(
      "run-shell -b \"'/a b/it'\\\\''s ##1 \\$x \\\"q\\\"\\\\'\"",
    );
  });

  it("runs a lone program through a constant exec wrapper, never as a shell string", () => {
    const command = newSessionCommand(spec({ argv: ["cat"] }), size);
    expect(command.slice(command.indexOf("--"))).toEqual([
      "--",
      "/bin/sh",
      "-c",
      'exec "$@"',
      "sh",
      "cat",
    ]);
  });

  it("escapes a trailing ';' in data and '#' in the format-expanded directory", () => {
    const command = newSessionCommand(
      spec({ cwd: "/r/#{x};", argv: ["echo", "a;", ";"], env: { K: "v;" } }),
      size,
    );
    expect(command).toContain("/r/##{x}\\;");
    expect(command).toContain("K=v\\;");
    expect(command.slice(-3)).toEqual(["echo", "a\\;", "\\;"]);
  });

  it("refuses a command tmux would reject as too long, with the sizes", () => {
    const big = "x".repeat(20_000);
    for (const over of [{ argv: ["echo", big] }, { env: { BIG: big } }]) {
      try {
        newSessionCommand(spec(over), size);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(FluxError);
        const e = error as FluxError;
        expect(e.code).toBe("TMUX_COMMAND_TOO_LONG");
        expect(e.hint).toMatch(/file/);
        expect(e.data).toMatchObject({ limit: TMUX_COMMAND_LIMIT });
        expect(e.data.bytes).toBeGreaterThan(20_000);
      }
    }
  });
});

describe("sendKeysCommands", () => {
  it("types text literally and presses named keys, in one call", () => {
    expect(sendKeysCommands("flux-a", ["-x;", "Enter", "C-c"])).toEqual([
      [
        "send-keys", "-t", "=flux-a:", "-l", "--", "-x\\;", ";",
        "send-keys", "-t", "=flux-a:", "--", "Enter", ";",
        "send-keys", "-t", "=flux-a:", "--", "C-c",
      ],
    ]); // prettier-ignore
  });

  it("splits long text into calls under the limit that add up to the text", () => {
    const text = "日本語 and ascii; ".repeat(2000);
    const calls = sendKeysCommands("flux-a", [text, "Enter"]);
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) expect(commandBytes(call)).toBeLessThanOrEqual(TMUX_COMMAND_LIMIT);
    const typed = calls
      .flat()
      .filter((_, i, all) => all[i - 2] === "-l")
      .map((arg) => arg.replace(/\\;$/, ";"))
      .join("");
    expect(typed).toBe(text);
    expect(calls.at(-1)?.slice(-2)).toEqual(["--", "Enter"]);
  });
});

describe("tmux argument helpers", () => {
  it("escapes only a trailing ';'", () => {
    expect(["a", "a;", ";", "a\\;", "a;b", ""].map(escapeArg)).toEqual([
      "a",
      "a\\;",
      "\\;",
      "a\\\\;",
      "a;b",
      "",
    ]);
    expect(chain([["a", "x;"], ["b"]])).toEqual(["a", "x\\;", ";", "b"]);
  });

  it("splits by bytes without cutting a character", () => {
    const pieces = splitBytes("ééé", 3);
    expect(pieces).toEqual(["é", "é", "é"]);
    expect(splitBytes("short", 100)).toEqual(["short"]);
  });

  it("knows key names from text", () => {
    for (const key of ["Enter", "Escape", "C-c", "M-x", "C-M-Up", "F12", "BSpace"]) {
      expect(isNamedKey(key), key).toBe(true);
    }
    for (const text of ["enter", "hello", "C-", "C-cc", "F13", "", "Enter "]) {
      expect(isNamedKey(text), text).toBe(false);
    }
  });

  it("parses list-sessions output, keeping only flux sessions", () => {
    const out =
      "flux-a\t1795350090\t31918\t0\nother\t1795350090\t1\t0\nflux-b\t1795350091\t42\t1\n";
    expect(parseSessionList(out, (name) => name.startsWith("flux-"))).toEqual([
      { name: "flux-a", alive: true, pid: 31918, createdAt: "2026-11-22T12:21:30.000Z" },
      { name: "flux-b", alive: false, pid: 42, createdAt: "2026-11-22T12:21:31.000Z" },
    ]);
  });

  it("reads tmux's 'no server' and 'not found' messages", () => {
    expect(isNoServer("no server running on /tmp/tmux-0/x\n")).toBe(true);
    expect(isNoServer("error connecting to /tmp/tmux-0/x (No such file or directory)\n")).toBe(
      true,
    );
    expect(isNoServer("error connecting to /tmp/tmux-0/x (Permission denied)\n")).toBe(false);
    expect(isNotFound("can't find session: flux-a\n")).toBe(true);
    expect(isNotFound("can't find pane: =flux-a:\n")).toBe(true);
    expect(isNotFound("no current target\n")).toBe(true); // a server with no session left
  });

  it("accepts tmux 3.2 and newer", () => {
    expect(["3.3a", "3.2", "next-3.5", "master"].map(isTmuxSupported)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(["3.1c", "2.9a"].map(isTmuxSupported)).toEqual([false, false]);
  });

  it("keeps the last lines without the pane's blank padding", () => {
    expect(lastLines("a\nb\nc\n\n   \n\n", 2)).toBe("b\nc");
    expect(lastLines("a\n", 0)).toBe("");
  });
});
