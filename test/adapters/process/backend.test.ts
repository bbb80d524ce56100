import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ProcessBackend } from "../../../src/adapters/process/index.ts";
import type { ProcessBackendOptions } from "../../../src/adapters/process/index.ts";
import { leaderStatus } from "../../../src/adapters/process/proc.ts";
import type { StartSession } from "../../../src/adapters/sessions/index.ts";
import { FluxError } from "../../../src/core/errors.ts";
import { tempDir } from "../../kit/temp-repo.ts";
import { waitFor, waitForText } from "../../kit/tmux.ts";

interface Fixture extends AsyncDisposable {
  dir: string;
  stateDir: string;
  backend: ProcessBackend;
  spec: (argv: string[], over?: Partial<StartSession>) => StartSession;
  /** The next exit the backend reports. */
  nextExit: () => Promise<{ name: string; code: number | null; signal: string | null }>;
}

/** A temp directory and a backend on it; disposing kills every session it recorded. */
function fixture(options: Partial<ProcessBackendOptions> = {}): Fixture {
  const dir = tempDir();
  const stateDir = path.join(dir, "state");
  const backend = new ProcessBackend({ stateDir, killGraceMs: 1000, ...options });
  return {
    dir,
    stateDir,
    backend,
    spec: (argv, over = {}) => ({
      name: "flux-a",
      cwd: dir,
      argv,
      env: {},
      logFile: path.join(dir, "logs", "flux-a.log"),
      ...over,
    }),
    nextExit: () =>
      new Promise((resolve) => {
        const off = backend.onExit((name, code, signal) => {
          off();
          resolve({ name, code, signal });
        });
      }),
    [Symbol.asyncDispose]: async () => {
      for (const session of await backend.list()) await backend.kill(session.name);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<FluxError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FluxError);
  return error as FluxError;
}

describe("ProcessBackend", () => {
  it("runs argv with the extra variables in cwd, logs output and reports the exit code", async () => {
    await using fx = fixture();
    const exited = fx.nextExit();
    const script = 'echo "hello-$FLUX_X"; pwd; echo oops >&2; exit 3';
    const { pid } = await fx.backend.start(
      fx.spec(["sh", "-c", script], { env: { FLUX_X: "world" } }),
    );
    expect(pid).toBeGreaterThan(0);
    expect(await exited).toEqual({ name: "flux-a", code: 3, signal: null });
    expect(await fx.backend.capture("flux-a")).toBe(`hello-world\n${fx.dir}\noops`);
    expect(await fx.backend.capture("flux-a", 1)).toBe("oops");
    expect(await fx.backend.isAlive("flux-a")).toBe(false);
    // An ended session stays listed (a restarted daemon learns it crashed) until killed.
    expect(await fx.backend.list()).toEqual([
      { name: "flux-a", alive: false, pid, createdAt: expect.any(String) as string },
    ]);
    await fx.backend.kill("flux-a");
    expect(await fx.backend.list()).toEqual([]);
  });

  it("keeps a 0600 state file that a second instance uses to see and end the session", async () => {
    await using fx = fixture();
    const { pid } = await fx.backend.start(fx.spec(["sleep", "30"]));
    expect(await fx.backend.isAlive("flux-a")).toBe(true);
    const file = path.join(fx.stateDir, "flux-a.json");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const other = new ProcessBackend({ stateDir: fx.stateDir });
    expect(await other.isAlive("flux-a")).toBe(true);
    expect((await other.list()).map((s) => [s.name, s.alive, s.pid])).toEqual([
      ["flux-a", true, pid],
    ]);
    const exited = fx.nextExit();
    await other.kill("flux-a");
    expect(await exited).toEqual({ name: "flux-a", code: null, signal: "SIGTERM" });
    expect(await fx.backend.isAlive("flux-a")).toBe(false);
    expect(fs.existsSync(file)).toBe(false);
    await other.kill("flux-a");
  });

  it("kills the whole process group: the child and its grandchild", async () => {
    await using fx = fixture();
    const pidFile = path.join(fx.dir, "grandchild.pid");
    const { pid } = await fx.backend.start(
      fx.spec(["sh", "-c", 'sleep 60 & echo $! > "$1"; wait', "sh", pidFile]),
    );
    const grandchild = Number(
      await waitFor(() => /^\d+\n$/.test(read(pidFile)) && read(pidFile), { what: pidFile }),
    );
    expect(leaderStatus(grandchild, undefined)).toBe("alive");
    await fx.backend.kill("flux-a");
    expect(leaderStatus(pid ?? 0, undefined)).toBe("gone");
    expect(leaderStatus(grandchild, undefined)).toBe("gone");
  });

  it("escalates to SIGKILL when SIGTERM is ignored", async () => {
    await using fx = fixture({ killGraceMs: 200 });
    const script = 'trap "" TERM; echo ready; while :; do sleep 1; done';
    await fx.backend.start(fx.spec(["sh", "-c", script]));
    await waitForText(fx.backend, "flux-a", "ready");
    const exited = fx.nextExit();
    await fx.backend.kill("flux-a");
    expect(await exited).toMatchObject({ signal: "SIGKILL" });
  });

  it.skipIf(!fs.existsSync("/proc/self/stat"))(
    "does not mistake a reused pid for the session, nor signal it",
    async () => {
      await using fx = fixture();
      fs.mkdirSync(fx.stateDir, { recursive: true });
      const stale = {
        name: "flux-a",
        pid: process.pid,
        startedAt: "2020-01-01T00:00:00.000Z",
        procStart: "1",
        logFile: path.join(fx.dir, "none.log"),
      };
      fs.writeFileSync(path.join(fx.stateDir, "flux-a.json"), JSON.stringify(stale));
      expect(await fx.backend.isAlive("flux-a")).toBe(false);
      await fx.backend.kill("flux-a"); // would take this test process with it
      expect(await fx.backend.list()).toEqual([]);
    },
  );

  it("refuses input, attach, a duplicate, a missing program and a corrupt state file", async () => {
    await using fx = fixture();
    expect((await rejection(fx.backend.sendKeys("flux-a", ["x"]))).code).toBe("SESSION_NO_INPUT");
    expect(fx.backend.attachCommand("flux-a")).toBeUndefined();
    expect((await rejection(fx.backend.capture("flux-a"))).code).toBe("SESSION_NOT_FOUND");

    await fx.backend.start(fx.spec(["sleep", "30"]));
    expect((await rejection(fx.backend.capture("flux-a", 0))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(fx.backend.start(fx.spec(["sleep", "30"])))).code).toBe(
      "SESSION_EXISTS",
    );
    const missing = fx.spec([path.join(fx.dir, "no-such-program")], { name: "flux-b" });
    expect((await rejection(fx.backend.start(missing))).code).toBe("SESSION_START_FAILED");
    expect(await fx.backend.isAlive("flux-b")).toBe(false);

    fs.writeFileSync(path.join(fx.stateDir, "flux-c.json"), "{not json");
    expect((await rejection(fx.backend.list())).code).toBe("SESSION_STATE_CORRUPT");
    fs.rmSync(path.join(fx.stateDir, "flux-c.json"));
  });
});

function read(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
}
