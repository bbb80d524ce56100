import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { StartSession } from "../../../src/adapters/sessions/index.ts";
import { TmuxBackend, tmuxVersion } from "../../../src/adapters/tmux/index.ts";
import { FluxError } from "../../../src/core/errors.ts";
import { tempDir } from "../../kit/temp-repo.ts";
import { privateTmux, waitFor, waitForText } from "../../kit/tmux.ts";

/** A temp directory removed on dispose. */
function scratch(name?: string): { path: string } & Disposable {
  const root = tempDir();
  const dir = name === undefined ? root : path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  return { path: dir, [Symbol.dispose]: () => fs.rmSync(root, { recursive: true, force: true }) };
}

const session = (cwd: string, argv: string[], over: Partial<StartSession> = {}): StartSession => ({
  name: "flux-a",
  cwd,
  argv,
  env: {},
  logFile: "/unused",
  ...over,
});

async function rejection(promise: Promise<unknown>): Promise<FluxError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FluxError);
  return error as FluxError;
}

describe("TmuxBackend on a private tmux server", () => {
  it("runs its session-closed script, whatever its path, and releases only an empty server", async () => {
    using dir = scratch(`it's a #1 $dir "x"`);
    const marker = path.join(dir.path, "closed");
    const script = path.join(dir.path, "on closed.sh");
    fs.writeFileSync(script, `#!/bin/sh\necho closed >> '${marker.replaceAll("'", "'\\''")}'\n`, {
      mode: 0o755,
    });
    await using tmux = privateTmux({ onSessionClosed: script });
    const { backend } = tmux;
    await backend.start(session(dir.path, ["sh", "-c", "sleep 30"]));
    await backend.start(session(dir.path, ["true"], { name: "flux-b" }));
    await waitFor(() => fs.existsSync(marker), { what: "the session-closed script" });
    expect(fs.readFileSync(marker, "utf8")).toBe("closed\n");
    await backend.release(); // flux-a is still there: the server stays
    expect(await backend.isAlive("flux-a")).toBe(true);
    await backend.kill("flux-a");
    await waitFor(() => fs.readFileSync(marker, "utf8") === "closed\nclosed\n");
    expect(await backend.isAlive("flux-a")).toBe(false); // an empty server: "no current target"
    expect(fs.existsSync(tmux.socketFile)).toBe(true);
    await backend.release();
    expect(() => tmux.tmux("list-sessions")).toThrow(/no server running|error connecting/);
    expect(fs.existsSync(tmux.socketFile)).toBe(false); // tmux would have left it
  });

  it("starts argv with -e variables in the given directory, and lists it", async () => {
    await using tmux = privateTmux();
    using dir = scratch();
    const { backend } = tmux;
    const started = await backend.start(
      session(dir.path, ["sh", "-c", "echo hello-$FLUX_X; pwd; sleep 30"], {
        env: { FLUX_X: "world" },
      }),
    );
    expect(started.pid).toBeGreaterThan(0);
    const pane = await waitForText(backend, "flux-a", "hello-world");
    expect(pane.split("\n")).toContain(dir.path);

    tmux.tmux("new-session", "-d", "-s", "not-flux", "sleep", "30");
    expect(await backend.list()).toEqual([
      { name: "flux-a", alive: true, pid: started.pid, createdAt: expect.any(String) as string },
    ]);
    expect(await backend.isAlive("flux-a")).toBe(true);
    // Names match exactly, never as a prefix of another session's name.
    expect(await backend.isAlive("flux-b")).toBe(false);
    await backend.start(session(dir.path, ["sleep", "30"], { name: "flux-ab" }));
    await backend.kill("flux-a");
    expect(await backend.isAlive("flux-a")).toBe(false);
    expect(await backend.isAlive("flux-ab")).toBe(true);
  });

  it("captures the last lines of the pane", async () => {
    await using tmux = privateTmux();
    using dir = scratch();
    await tmux.backend.start(session(dir.path, ["sh", "-c", "seq 1 500; sleep 30"]));
    await waitForText(tmux.backend, "flux-a", "500");
    const tail = await tmux.backend.capture("flux-a", 10);
    expect(tail.split("\n")).toEqual(Array.from({ length: 10 }, (_, i) => String(491 + i)));
  });

  it("types text literally and presses named keys", async () => {
    await using tmux = privateTmux();
    using dir = scratch();
    // A lone program: tmux would hand it to a shell; the backend execs it instead.
    await tmux.backend.start(session(dir.path, ["cat"]));
    const text = "-x; $(id) #{pane_id} 'q' \"d\";";
    await tmux.backend.sendKeys("flux-a", [text, "Enter"]);
    // The terminal echoes the line, then cat writes it back.
    const pane = await waitFor(
      async () => {
        const shown = await tmux.backend.capture("flux-a");
        return shown.split("\n").filter((line) => line === text).length === 2 && shown;
      },
      { what: "the echoed line twice" },
    );
    expect(pane).not.toMatch(/uid=/);
  });

  it("kills a session, and killing again (or a server that is gone) is fine", async () => {
    await using tmux = privateTmux();
    using dir = scratch();
    await tmux.backend.start(session(dir.path, ["sleep", "30"]));
    await tmux.backend.kill("flux-a");
    expect(await tmux.backend.isAlive("flux-a")).toBe(false);
    await tmux.backend.kill("flux-a");
    // The last session gone, tmux ends the server too.
    expect(await tmux.backend.list()).toEqual([]);
    await tmux.backend.kill("flux-a");
  });

  it("treats a server that does not exist as having no sessions", async () => {
    await using tmux = privateTmux();
    expect(await tmux.backend.list()).toEqual([]);
    expect(await tmux.backend.isAlive("flux-a")).toBe(false);
    await tmux.backend.kill("flux-a");
    expect((await rejection(tmux.backend.capture("flux-a"))).code).toBe("SESSION_NOT_FOUND");
    expect((await rejection(tmux.backend.sendKeys("flux-a", ["x"]))).code).toBe(
      "SESSION_NOT_FOUND",
    );
  });

  it("passes argv, variables and the directory through literally", async () => {
    await using tmux = privateTmux();
    using dir = scratch("we ird #{session_name} ##;");
    const out = path.join(dir.path, "out.json");
    const nasty = [
      "a b",
      `"double" 'single'`,
      "$(touch pwned) `id` $HOME ~",
      "ends;",
      ";",
      "",
      "-starts-with-dash",
      "#{session_name} ##",
      "back\\slash\\;",
      "new\nline",
      "ünïcode 日本",
    ];
    const script = `const fs = require("fs");
const [out, ...argv] = process.argv.slice(1);
fs.writeFileSync(out + ".tmp", JSON.stringify({ argv, env: process.env.FLUX_NASTY, cwd: process.cwd() }));
fs.renameSync(out + ".tmp", out);`;
    await tmux.backend.start(
      session(dir.path, [process.execPath, "-e", script, "--", out, ...nasty], {
        env: { FLUX_NASTY: "v;$(id) #{session_name}" },
      }),
    );
    const seen = await waitFor(() => fs.existsSync(out) && fs.readFileSync(out, "utf8"), {
      what: out,
    });
    expect(JSON.parse(seen)).toEqual({
      argv: nasty,
      env: "v;$(id) #{session_name}",
      cwd: dir.path,
    });
    expect(fs.existsSync(path.join(dir.path, "pwned"))).toBe(false);
    // remain-on-exit off: the session ends with its process.
    await waitFor(async () => !(await tmux.backend.isAlive("flux-a")), { what: "session end" });
  });

  it("refuses a command over the limit before tmux sees it", async () => {
    await using tmux = privateTmux();
    using dir = scratch();
    const error = await rejection(
      tmux.backend.start(session(dir.path, ["echo", "x".repeat(20_000)])),
    );
    expect(error.code).toBe("TMUX_COMMAND_TOO_LONG");
    expect(await tmux.backend.list()).toEqual([]);
  });

  it("refuses a duplicate name, a missing directory and a bad name", async () => {
    await using tmux = privateTmux();
    using dir = scratch();
    await tmux.backend.start(session(dir.path, ["sleep", "30"]));
    const duplicate = await rejection(tmux.backend.start(session(dir.path, ["sleep", "30"])));
    expect(duplicate.code).toBe("SESSION_EXISTS");
    const missing = path.join(dir.path, "nope");
    expect((await rejection(tmux.backend.start(session(missing, ["true"])))).code).toBe(
      "SESSION_CWD_MISSING",
    );
    const badName = session(dir.path, ["true"], { name: "flux-A;rm" });
    expect((await rejection(tmux.backend.start(badName))).code).toBe("INVALID_SESSION_NAME");
    expect(() => tmux.backend.attachCommand("Flux-a")).toThrow(FluxError);
  });

  it("attaches with TMUX removed, so it works from inside the user's tmux", async () => {
    await using tmux = privateTmux({
      env: { TMUX: "/tmp/tmux-0/default,1,0", TMUX_PANE: "%3", KEEP: "1" },
    });
    expect(tmux.backend.attachCommand("flux-a")).toEqual({
      command: "tmux",
      args: ["-L", tmux.socket, "attach-session", "-t", "=flux-a"],
      env: { KEEP: "1", TMUX_TMPDIR: expect.any(String) as string },
    });
  });

  it("says TMUX_MISSING, with an install hint, when tmux is not there", async () => {
    const backend = new TmuxBackend({ socket: "flux-none", tmuxBin: "/nonexistent/tmux" });
    const error = await rejection(backend.list());
    expect(error.code).toBe("TMUX_MISSING");
    expect(error.hint).toMatch(/install tmux/);
    expect(tmuxVersion("/nonexistent/tmux")).toBeUndefined();
    expect(tmuxVersion()).toMatch(/^\d+\.\d+/);
  });
});
