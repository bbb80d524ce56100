/**
 * Every session backend through the one contract (./contract.ts): tmux on a private server,
 * detached processes, and the in-memory backend engine tests use — as both kinds it can stand
 * for — so the fake cannot drift from what the real ones do.
 */
import fs from "node:fs";
import path from "node:path";
import { ProcessBackend } from "../../../src/adapters/process/index.ts";
import { MemoryBackend } from "../../kit/memory-backend.ts";
import { tempDir } from "../../kit/temp-repo.ts";
import { privateTmux } from "../../kit/tmux.ts";
import { backendContract } from "./contract.ts";
import type { Behaviour, Harness } from "./contract.ts";

/** A directory for the sessions' cwd and logs, removed with the harness. */
function workDir(): { dir: string; logFile: (name: string) => string; remove: () => void } {
  const dir = tempDir();
  return {
    dir,
    logFile: (name) => path.join(dir, "logs", `${name}.log`),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

backendContract("tmux", () => {
  const work = workDir();
  const tmux = privateTmux();
  return {
    backend: tmux.backend,
    caps: { reportsExits: false, listsEnded: false, terminal: true, attach: true, pids: true },
    cwd: work.dir,
    logFile: work.logFile,
    play: () => undefined,
    received: async (name, text) => (await tmux.backend.capture(name)).includes(`got:${text}`),
    [Symbol.asyncDispose]: async () => {
      await tmux[Symbol.asyncDispose]();
      work.remove();
    },
  };
});

backendContract("process", () => {
  const work = workDir();
  const backend = new ProcessBackend({ stateDir: path.join(work.dir, "state"), killGraceMs: 2000 });
  return {
    backend,
    caps: { reportsExits: true, listsEnded: true, terminal: false, attach: false, pids: true },
    cwd: work.dir,
    logFile: work.logFile,
    play: () => undefined,
    received: () => Promise.resolve(false),
    [Symbol.asyncDispose]: async () => {
      for (const session of await backend.list()) await backend.kill(session.name);
      work.remove();
    },
  };
});

for (const kind of ["process", "tmux"] as const) {
  backendContract(`memory (as ${kind})`, () => {
    const work = workDir();
    const backend = new MemoryBackend({ kind });
    return {
      backend,
      caps: {
        reportsExits: kind === "process",
        listsEnded: kind === "process",
        terminal: kind === "tmux",
        attach: false,
        pids: false,
      },
      cwd: work.dir,
      logFile: work.logFile,
      play: (name: string, b: Behaviour) => playProgram(backend, name, b),
      received: (name, text) =>
        Promise.resolve(
          backend.session(name)?.keys.some((keys) => keys.join("") === `${text}Enter`) === true,
        ),
      [Symbol.asyncDispose]: () => {
        work.remove();
        return Promise.resolve();
      },
    } satisfies Harness;
  });
}

/** What `sh -c script(b)` would do, done through the memory backend's test handles. */
function playProgram(backend: MemoryBackend, name: string, b: Behaviour): void {
  const session = backend.session(name);
  if (session === undefined) throw new Error(`no session ${name} to play`);
  const vars: Record<string, string> = { ...session.spec.env, PWD: session.spec.cwd };
  for (const line of b.print ?? []) {
    backend.output(
      name,
      `${line.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, v: string) => vars[v] ?? "")}\n`,
    );
  }
  if (b.exitCode !== undefined) backend.exit(name, b.exitCode);
}
