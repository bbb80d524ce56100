/**
 * End-to-end fixtures for the engine: a temp repository with agent scripts (committed, so every
 * worktree has them), a plan, `flux init` done; helpers to run flux as a child process; and a
 * dispose that stops the repository's daemon and kills its private tmux server.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { tmuxSocketName } from "../../src/server/daemon.ts";
import { stateDirFor } from "../../src/store/state-dir.ts";
import { FLUX_BIN, TEST_STATE_HOME, flux, testEnv } from "./cli.ts";
import type { RunResult } from "./cli.ts";
import { mustRemove } from "./leaks.ts";
import { tempDir, tempRepo } from "./temp-repo.ts";
import { tmuxSocketFile } from "./tmux.ts";
import type { TempRepo } from "./temp-repo.ts";

export const AGENT_GIT_ENV = {
  GIT_AUTHOR_NAME: "Agent",
  GIT_AUTHOR_EMAIL: "agent@flux.invalid",
  GIT_COMMITTER_NAME: "Agent",
  GIT_COMMITTER_EMAIL: "agent@flux.invalid",
};

export interface EngineRepo extends TempRepo {
  /** A scratch directory outside the repository (markers, gates the test opens). */
  scratch: string;
  socket: string;
  env: Record<string, string | undefined>;
  run(
    args: string[],
    env?: Record<string, string | undefined>,
    timeoutMs?: number,
  ): Promise<RunResult>;
  ok(args: string[], code?: number, env?: Record<string, string | undefined>): Promise<RunResult>;
  /** Starts flux without waiting; lines of its stdout are collected. */
  spawn(args: string[], env?: Record<string, string | undefined>): Spawned;
  db<T>(sql: string, ...params: unknown[]): T[];
  state(stage: string): string;
  sessions(stage: string): { id: string; status: string; purpose: string }[];
  /** Merge events in order: stage ids. */
  mergedOrder(): string[];
  tmux(...args: string[]): string;
  /** Makes the FIFO $SCRATCH/go-<stage> an agent can block on (`read go < …`). */
  gate(stage: string): void;
  /** Lets an agent blocked on its gate go on. */
  open(stage: string): Promise<void>;
}

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  /** Resolves when stdout contains the text (or matches), rejects on exit or timeout. */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  exit: Promise<number | null>;
}

export interface EngineRepoOptions {
  stagesYaml: string;
  defaultsYaml?: string;
  agents?: Record<string, string>;
  files?: Record<string, string>;
  env?: Record<string, string | undefined>;
}

export async function engineRepo(options: EngineRepoOptions): Promise<EngineRepo> {
  const repo = await tempRepo();
  const scratch = tempDir("flux-scratch-");
  for (const [name, body] of Object.entries(options.agents ?? {})) {
    const file = repo.write(`agents/${name}.sh`, `#!/bin/sh\nset -eu\n${body}\n`);
    fs.chmodSync(file, 0o755);
  }
  for (const [rel, body] of Object.entries(options.files ?? {})) repo.write(rel, body);
  repo.git("add", "-A");
  repo.git("commit", "-q", "--allow-empty", "-m", "fixtures");
  const defaults = options.defaultsYaml ?? "    agent: command\n";
  repo.write(
    "doc/plans/PLAN-e2e.md",
    `# E2E plan\n\nA plan for an end-to-end test.\n\n<!-- FLUX METADATA -->\n\n\`\`\`yaml\nflux:\n  version: 1\n  defaults:\n${defaults}  stages:\n${options.stagesYaml}\`\`\`\n`,
  );
  const env: Record<string, string | undefined> = {
    ...AGENT_GIT_ENV,
    FLUX_IDLE_TIMEOUT: "30s",
    SCRATCH: scratch,
    ...options.env,
  };
  const run = (args: string[], extra?: Record<string, string | undefined>, timeoutMs = 90_000) =>
    flux(args, { cwd: repo.dir, env: { ...env, ...extra }, timeoutMs });
  const socket = tmuxSocketName(repo.dir);
  // The daemon's tmux server leaves its socket file behind: dispose removes it.
  mustRemove(tmuxSocketFile(socket), "the tmux socket of an engineRepo() that was not disposed");
  mustRemove(
    stateDirFor(repo.dir, { XDG_STATE_HOME: TEST_STATE_HOME }),
    "the per-user state of an engineRepo() that was not disposed",
  );
  const dbFile = path.join(repo.dir, ".work", "flux.db");
  const result: EngineRepo = {
    ...repo,
    scratch,
    socket,
    env,
    run,
    async ok(args, code = 0, extra) {
      const r = await run(args, extra);
      if (r.code !== code)
        throw new Error(
          `flux ${args.join(" ")} exited ${r.code}, expected ${code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\ndaemon log:\n${daemonLog(repo.dir)}`,
        );
      return r;
    },
    spawn: (args, extra) => spawnFlux(repo.dir, args, { ...env, ...extra }),
    db<T>(sql: string, ...params: unknown[]): T[] {
      const db = new Database(dbFile, { readonly: true });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    state(stage) {
      return (
        result.db<{ state: string }>(
          "SELECT state FROM stages s JOIN plans p ON p.id = s.plan_id AND p.active = 1 WHERE s.id = ?",
          stage,
        )[0]?.state ?? "missing"
      );
    },
    sessions(stage) {
      return result.db(
        "SELECT id, status, purpose FROM sessions WHERE stage_id = ? ORDER BY created_at, rowid",
        stage,
      );
    },
    mergedOrder() {
      return result
        .db<{ stage_id: string }>(
          "SELECT stage_id FROM events WHERE type = 'stage.transitioned' AND json_extract(data, '$.to') = 'merged' ORDER BY seq",
        )
        .map((r) => r.stage_id);
    },
    tmux: (...args) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" }),
    gate: (stage) => execFileSync("mkfifo", [path.join(scratch, `go-${stage}`)]),
    // Opening a FIFO for writing waits (in libuv's pool) for the agent's read end.
    open: (stage) => fs.promises.writeFile(path.join(scratch, `go-${stage}`), "go\n"),
    [Symbol.asyncDispose]: async () => {
      await flux(["daemon", "stop"], { cwd: repo.dir, env }).catch(() => undefined);
      try {
        execFileSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
      } catch {
        // No server: nothing to kill.
      }
      // tmux leaves its socket file (and a server start's lock) behind.
      for (const file of [tmuxSocketFile(socket), `${tmuxSocketFile(socket)}.lock`])
        fs.rmSync(file, { force: true });
      fs.rmSync(scratch, { recursive: true, force: true });
      fs.rmSync(stateDirFor(repo.dir, { XDG_STATE_HOME: TEST_STATE_HOME }), {
        recursive: true,
        force: true,
      });
      await repo[Symbol.asyncDispose]();
    },
  };
  await result.ok(["init", "doc/plans/PLAN-e2e.md"]);
  return result;
}

export function daemonLog(dir: string): string {
  try {
    return fs
      .readFileSync(path.join(dir, ".work", "logs", "daemon.log"), "utf8")
      .split("\n")
      .slice(-40)
      .join("\n");
  } catch {
    return "(no daemon log)";
  }
}

function spawnFlux(cwd: string, args: string[], env: Record<string, string | undefined>): Spawned {
  const child = spawn(process.execPath, [FLUX_BIN, ...args], {
    cwd,
    env: testEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const waiters = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    for (const w of waiters) w();
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    for (const w of waiters) w();
  });
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    exit,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const test = () => {
          const hit = typeof pattern === "string" ? out.includes(pattern) : pattern.test(out);
          if (!hit) return;
          cleanup();
          resolve(out);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `timed out waiting for ${String(pattern)}; output:\n${out}\ndaemon log:\n${daemonLog(cwd)}`,
            ),
          );
        }, timeoutMs);
        const onExit = () => {
          test();
          cleanup();
          reject(new Error(`flux exited before ${String(pattern)}; output:\n${out}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(test);
          child.off("close", onExit);
        };
        waiters.add(test);
        child.on("close", onExit);
        test();
      });
    },
  };
}
