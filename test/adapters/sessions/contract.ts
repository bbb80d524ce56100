/**
 * The SessionBackend contract: what the engine relies on from any session backend, as one suite
 * every backend runs (`backendContract("tmux", makeHarness)`, in the style of hono's
 * `runTest({ newRouter })`). Where backends differ by design, a capability says which way,
 * and the suite pins both sides — "tmux reports no exits" is asserted, never skipped.
 *
 * A backend that runs no programs (the in-memory one) gets the program's part played by its
 * harness (`play`): output and the exit, right after start, from the same behaviour the real
 * backends run as `sh -c`.
 */
import { describe, expect, it } from "vitest";
import type {
  SessionBackend,
  SessionInfo,
  StartSession,
} from "../../../src/adapters/sessions/backend.ts";
import { FluxError } from "../../../src/core/errors.ts";
import { waitFor } from "../../kit/tmux.ts";

/** What a session's program does: print lines (with `$VAR` expanded), then exit or wait forever. */
export interface Behaviour {
  /** Lines to print; `$NAME` is a variable of the session (spec.env, or PWD). */
  print?: string[];
  /** Read one line from the terminal and print it back as "got:<line>". */
  echoInput?: boolean;
  /** Exit with this code once printed; without it the program runs until killed. */
  exitCode?: number;
}

export interface Capabilities {
  /** onExit hears a session whose program ended (process: the child's exit; tmux: never). */
  reportsExits: boolean;
  /** An ended session stays listed (alive: false) until killed, so a restarted daemon sees it crashed. */
  listsEnded: boolean;
  /** sendKeys reaches the program (tmux); otherwise it is refused with SESSION_NO_INPUT. */
  terminal: boolean;
  /** attachCommand gives a command a human can run; otherwise undefined. */
  attach: boolean;
  /** start() and list() report the session's pid. */
  pids: boolean;
}

export interface Harness extends AsyncDisposable {
  backend: SessionBackend;
  caps: Capabilities;
  /** An existing directory (a real path) the sessions run in. */
  cwd: string;
  logFile(name: string): string;
  /** Plays the program's part where the backend runs none; nothing for a real backend. */
  play(name: string, behaviour: Behaviour): void;
  /** True once the program has received `text` typed by sendKeys (terminal backends only). */
  received(name: string, text: string): Promise<boolean>;
}

export type MakeHarness = () => Promise<Harness> | Harness;

/** How long a condition may take on a loaded machine (tmux server start, a process group exit). */
const TIMEOUT_MS = 15_000;

/** The shell script that does `b`; a real backend runs it as `sh -c`. */
export function script(b: Behaviour): string {
  const steps = (b.print ?? []).map((line) => `printf '%s\\n' "${line}"`);
  if (b.echoInput === true) steps.push("read line", 'printf "got:%s\\n" "$line"');
  steps.push(b.exitCode === undefined ? "exec sleep 600" : `exit ${b.exitCode}`);
  return steps.join("; ");
}

type Exit = { name: string; code: number | null; signal: string | null };

/** Every exit the backend reports, and a way to wait for one. */
function exits(
  backend: SessionBackend,
): { seen: Exit[]; next(name: string): Promise<Exit> } & Disposable {
  const seen: Exit[] = [];
  const waiters: { name: string; resolve: (e: Exit) => void }[] = [];
  const off = backend.onExit((name, code, signal) => {
    const exit = { name, code, signal };
    seen.push(exit);
    for (const w of waiters.filter((w) => w.name === name)) w.resolve(exit);
  });
  return {
    seen,
    next: (name) =>
      new Promise((resolve, reject) => {
        const done = seen.find((e) => e.name === name);
        if (done !== undefined) return resolve(done);
        const timer = setTimeout(
          () => reject(new Error(`no exit of ${name} within ${TIMEOUT_MS} ms`)),
          TIMEOUT_MS,
        );
        waiters.push({ name, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      }),
    [Symbol.dispose]: off,
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

const names = (list: SessionInfo[]) => list.map((s) => `${s.name}:${s.alive}`).sort();

export function backendContract(label: string, make: MakeHarness): void {
  describe(`SessionBackend contract: ${label}`, () => {
    const spec = (h: Harness, name: string, b: Behaviour, over: Partial<StartSession> = {}) => ({
      name,
      cwd: h.cwd,
      argv: ["sh", "-c", script(b)],
      env: {},
      logFile: h.logFile(name),
      ...over,
    });
    const launch = async (h: Harness, name: string, b: Behaviour = {}, over = {}) => {
      const started = await h.backend.start(spec(h, name, b, over));
      h.play(name, b);
      return started;
    };
    const ended = (h: Harness, name: string) =>
      waitFor(async () => !(await h.backend.isAlive(name)), {
        timeoutMs: TIMEOUT_MS,
        what: `${name} to end`,
      });
    const shows = (h: Harness, name: string, text: string) =>
      waitFor(async () => ((await h.backend.capture(name)).includes(text) ? true : undefined), {
        timeoutMs: TIMEOUT_MS,
        what: `"${text}" in ${name}`,
      });

    it("a started session is alive and listed, with its pid and start time where reported", async () => {
      await using h = await make();
      const started = await launch(h, "flux-a");
      expect(await h.backend.isAlive("flux-a")).toBe(true);
      const listed = await h.backend.list();
      expect(names(listed)).toEqual(["flux-a:true"]);
      const info = listed[0];
      expect(Number.isNaN(Date.parse(info?.createdAt ?? ""))).toBe(false);
      if (h.caps.pids) {
        expect(started.pid).toBeGreaterThan(0);
        expect(info?.pid).toBe(started.pid);
      } else {
        expect(started.pid).toBeUndefined();
      }
    });

    it("runs argv in cwd with the spec's variables, and captures the last lines of output", async () => {
      await using h = await make();
      await launch(
        h,
        "flux-a",
        { print: ["v=$FLUX_X", "$PWD", "one", "two"] },
        {
          env: { FLUX_X: "world" },
        },
      );
      await shows(h, "flux-a", "two");
      expect(await h.backend.capture("flux-a")).toBe(`v=world\n${h.cwd}\none\ntwo`);
      expect(await h.backend.capture("flux-a", 2)).toBe("one\ntwo");
      expect((await rejection(h.backend.capture("flux-a", 0))).code).toBe("INVALID_ARGUMENT");
    });

    it("a session whose program exits is no longer alive, and is reported or not per capability", async () => {
      await using h = await make();
      using heard = exits(h.backend);
      await launch(h, "flux-a", { exitCode: 3 });
      await ended(h, "flux-a");
      if (h.caps.reportsExits) {
        expect(await heard.next("flux-a")).toEqual({ name: "flux-a", code: 3, signal: null });
      } else {
        // tmux cannot tell: the runner in the pane reports its own exit to the daemon.
        expect(heard.seen).toEqual([]);
      }
      expect(names(await h.backend.list())).toEqual(h.caps.listsEnded ? ["flux-a:false"] : []);
      // The name is free again: the engine restarts a stage under the same session name.
      await launch(h, "flux-a");
      expect(await h.backend.isAlive("flux-a")).toBe(true);
    });

    it("kill ends a live session at once, forgets it, and is idempotent", async () => {
      await using h = await make();
      using heard = exits(h.backend);
      await launch(h, "flux-a");
      await launch(h, "flux-b");
      await h.backend.kill("flux-a");
      expect(await h.backend.isAlive("flux-a")).toBe(false);
      expect(names(await h.backend.list())).toEqual(["flux-b:true"]);
      if (h.caps.reportsExits) {
        const exit = await heard.next("flux-a");
        expect(exit.name).toBe("flux-a");
        expect(exit.signal).not.toBeNull(); // ended by Flux, not by its own exit code
      } else {
        expect(heard.seen).toEqual([]);
      }
      await h.backend.kill("flux-a");
      await h.backend.kill("flux-never-started");
      expect(await h.backend.isAlive("flux-b")).toBe(true);
    });

    it("kill of a session whose program already exited forgets it", async () => {
      await using h = await make();
      await launch(h, "flux-a", { exitCode: 0 });
      await ended(h, "flux-a");
      await h.backend.kill("flux-a");
      expect(await h.backend.list()).toEqual([]);
    });

    it("asking about an unknown session is not an error; reading or typing into it is SESSION_NOT_FOUND", async () => {
      await using h = await make();
      expect(await h.backend.isAlive("flux-nobody")).toBe(false);
      expect(await h.backend.list()).toEqual([]);
      await h.backend.kill("flux-nobody");
      expect((await rejection(h.backend.capture("flux-nobody"))).code).toBe("SESSION_NOT_FOUND");
      expect((await rejection(h.backend.sendKeys("flux-nobody", ["x"]))).code).toBe(
        h.caps.terminal ? "SESSION_NOT_FOUND" : "SESSION_NO_INPUT",
      );
    });

    it("names: flux- and a stage id of 1 to 63 characters work and match exactly; others are refused", async () => {
      await using h = await make();
      const longest = `flux-${"a".repeat(62)}9`;
      const good = ["flux-a", "flux-0", "flux-a-b-9", longest];
      for (const name of good) await launch(h, name);
      for (const name of good) expect(await h.backend.isAlive(name)).toBe(true);
      expect(names(await h.backend.list())).toEqual(good.map((n) => `${n}:true`).sort());
      // Never a prefix match: "flux-a" is alive, "flux-a-b" is not a session.
      expect(await h.backend.isAlive("flux-a-b")).toBe(false);

      const bad = ["flux-", "flux-A", "flux-a_b", "flux--a", "flux-a.b", "other", `${longest}x`];
      for (const name of bad) {
        expect((await rejection(h.backend.isAlive(name))).code).toBe("INVALID_SESSION_NAME");
        expect((await rejection(h.backend.kill(name))).code).toBe("INVALID_SESSION_NAME");
        expect((await rejection(h.backend.start(spec(h, name, {})))).code).toBe(
          "INVALID_SESSION_NAME",
        );
      }
      for (const name of good) await h.backend.kill(name);
      expect(await h.backend.list()).toEqual([]);
    });

    it("refuses a second live session of a name, and a bad spec before starting anything", async () => {
      await using h = await make();
      await launch(h, "flux-a");
      expect((await rejection(h.backend.start(spec(h, "flux-a", {})))).code).toBe("SESSION_EXISTS");
      const refusals: [Partial<StartSession>, string][] = [
        [{ argv: [] }, "INVALID_ARGV"],
        [{ argv: ["-c", "true"] }, "INVALID_ARGV"],
        [{ env: { "A=B": "x" } }, "INVALID_ENV_NAME"],
        [{ cwd: `${h.cwd}/missing` }, "SESSION_CWD_MISSING"],
        [{ cwd: "relative" }, "SESSION_CWD_MISSING"],
      ];
      for (const [over, code] of refusals) {
        expect((await rejection(h.backend.start(spec(h, "flux-b", {}, over)))).code).toBe(code);
      }
      expect(names(await h.backend.list())).toEqual(["flux-a:true"]);
    });

    it("onExit returns an unsubscribe; an unsubscribed listener hears nothing", async () => {
      await using h = await make();
      const heard: string[] = [];
      const off = h.backend.onExit((name) => heard.push(name));
      expect(typeof off).toBe("function");
      off();
      using still = exits(h.backend);
      await launch(h, "flux-a", { exitCode: 0 });
      await ended(h, "flux-a");
      if (h.caps.reportsExits) await still.next("flux-a");
      expect(heard).toEqual([]);
    });

    it("input and attaching: a terminal takes keys and can be attached to; otherwise both are refused", async () => {
      await using h = await make();
      await launch(h, "flux-a", { echoInput: true });
      const attach = h.backend.attachCommand("flux-a");
      if (h.caps.attach) {
        expect(attach?.command).toEqual(expect.any(String));
        expect(attach?.args).toContain("attach-session");
      } else {
        expect(attach).toBeUndefined();
      }
      if (h.caps.terminal) {
        await h.backend.sendKeys("flux-a", ["hello", "Enter"]);
        await waitFor(() => h.received("flux-a", "hello"), {
          timeoutMs: TIMEOUT_MS,
          what: "the keys to arrive",
        });
      } else {
        const error = await rejection(h.backend.sendKeys("flux-a", ["hello", "Enter"]));
        expect(error.code).toBe("SESSION_NO_INPUT");
      }
    });

    it("release never ends a live session, and the backend starts sessions after it", async () => {
      await using h = await make();
      await h.backend.release(); // nothing started yet: not an error
      await launch(h, "flux-a");
      await h.backend.release();
      expect(await h.backend.isAlive("flux-a")).toBe(true);
      await h.backend.kill("flux-a");
      await h.backend.release();
      await launch(h, "flux-b");
      expect(await h.backend.isAlive("flux-b")).toBe(true);
    });

    it("an instance sees only its own sessions", async () => {
      await using one = await make();
      await using two = await make();
      await launch(one, "flux-a");
      expect(await two.backend.isAlive("flux-a")).toBe(false);
      expect(await two.backend.list()).toEqual([]);
      await two.backend.kill("flux-a");
      expect(await one.backend.isAlive("flux-a")).toBe(true);
    });
  });
}
