/**
 * In-process engine fixtures: a real git repository and SQLite store in a temp directory, the
 * real Engine, the in-memory session backend (the test plays each session's runner) and a fake
 * clock, so crash, timeout, re-check and merge paths run in milliseconds. Waits are on the
 * engine's own events and settled passes, never on sleeps.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { FluxError } from "../../src/core/errors.ts";
import type { StageSpec } from "../../src/core/plan/schema.ts";
import { Engine } from "../../src/engine/engine.ts";
import type { EngineOptions } from "../../src/engine/engine.ts";
import type { FluxEvent } from "../../src/store/events.ts";
import { workPaths } from "../../src/store/paths.ts";
import type { WorkPaths } from "../../src/store/paths.ts";
import type { SessionRecord } from "../../src/store/sessions.ts";
import { latestSession } from "../../src/store/sessions.ts";
import type { StageRecord } from "../../src/store/store.ts";
import { Store } from "../../src/store/store.ts";
import { FLUX_BIN } from "../kit/cli.ts";
import { MemoryBackend } from "../kit/memory-backend.ts";
import type { MemoryBackendOptions } from "../kit/memory-backend.ts";
import { planOf } from "../kit/plans.ts";
import { tempDir, tempRepo } from "../kit/temp-repo.ts";
import type { TempRepo } from "../kit/temp-repo.ts";
import { FakeClock } from "./fake-clock.ts";

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Agent",
  GIT_AUTHOR_EMAIL: "agent@flux.invalid",
  GIT_COMMITTER_NAME: "Agent",
  GIT_COMMITTER_EMAIL: "agent@flux.invalid",
};

export interface EngineHarness extends AsyncDisposable {
  repo: TempRepo;
  paths: WorkPaths;
  /** The engine's per-user state directory (session specs, the run's environment). */
  stateDir: string;
  store: Store;
  engine: Engine;
  backend: MemoryBackend;
  clock: FakeClock;
  /** Every event committed since the harness started, in order. */
  events: FluxEvent[];
  stage(id: string): StageRecord;
  session(stageId: string): SessionRecord;
  /** Resolves once `check` holds, re-checked after every event and every settled pass. */
  until<T>(what: string, check: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  /** Waits for the stage's next launch, then plays its runner's start report. */
  launched(stageId: string): Promise<SessionRecord>;
  /**
   * Stops the engine and starts a new one over the same store, backend and state directory, as
   * a daemon restart would (the sessions the backend runs live on).
   */
  restart(): Promise<void>;
  /** Commits a file in the stage's worktree, as its agent would. */
  commit(stageId: string, file: string, content: string): string;
}

export async function engineHarness(
  stages: StageSpec[],
  options: {
    backend?: MemoryBackendOptions;
    /** Engine settings beyond the harness's own (health, limits, the machine's readings…). */
    engine?: Partial<EngineOptions>;
  } = {},
): Promise<EngineHarness> {
  const repo = await tempRepo();
  fs.appendFileSync(path.join(repo.dir, ".git", "info", "exclude"), ".work\n.worktrees/\n");
  const paths = workPaths(repo.dir);
  fs.mkdirSync(paths.work, { recursive: true });
  const clock = new FakeClock();
  const store = new Store(paths.db, { clock: () => clock.now() });
  store.applyPlan({
    // Command agents: the backend runs nothing, the test plays the session.
    plan: planOf(stages.map((s) => ({ agent: "command", command: "true", ...s }))),
    file: "doc/plans/PLAN-test.md",
    contentHash: "test",
    baseBranch: "main",
  });
  const backend = new MemoryBackend({ now: () => clock.now(), ...options.backend });
  const stateDir = tempDir("flux-state-");
  const events: FluxEvent[] = [];
  const waiters = new Set<() => void>();
  const poke = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const newEngine = () => {
    const made = new Engine({
      store,
      paths,
      backend,
      fluxBin: FLUX_BIN,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...GIT_ENV },
      maxParallel: 4,
      stateDir,
      clock,
      ...options.engine,
    });
    made.onEvent((event) => {
      events.push(event);
      poke();
    });
    made.onSettled(poke);
    return made;
  };
  let engine = newEngine();

  const until = <T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000) =>
    new Promise<T>((resolve, reject) => {
      const attempt = () => {
        let value: T | undefined | false;
        try {
          value = check();
        } catch (error) {
          finish();
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (value === undefined || value === false) return;
        finish();
        resolve(value);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(attempt);
      };
      waiters.add(attempt);
      attempt();
    });

  const stage = (id: string): StageRecord => engine.stage(id);
  const session = (stageId: string): SessionRecord => {
    const plan = store.activePlan();
    const found = plan === undefined ? undefined : latestSession(store, plan.id, stageId);
    if (found === undefined) throw new Error(`no session for ${stageId}`);
    return found;
  };

  const seen = new Map<string, number>();
  await engine.start();
  return {
    repo,
    paths,
    stateDir,
    store,
    get engine() {
      return engine;
    },
    backend,
    clock,
    events,
    stage,
    session,
    until,
    async launched(stageId) {
      const since = seen.get(stageId) ?? 0;
      const launch = await backend.waitForLaunch(`flux-${stageId}`, since);
      seen.set(stageId, launch.seq + 1);
      const id = launch.spec.env.FLUX_SESSION_ID ?? "";
      engine.sessionStarted(id, null);
      return until(`session ${id} of ${stageId}`, () => {
        const current = session(stageId);
        return current.id === id ? current : undefined;
      });
    },
    async restart() {
      await engine.stop();
      engine = newEngine();
      await engine.start();
    },
    commit(stageId, file, content) {
      const cwd = path.join(repo.dir, ".worktrees", stageId);
      fs.writeFileSync(path.join(cwd, file), content);
      const git = (...args: string[]) =>
        execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...GIT_ENV } });
      git("add", file);
      git("commit", "-qm", `${stageId}: ${file}`);
      return git("rev-parse", "HEAD").trim();
    },
    async [Symbol.asyncDispose]() {
      await engine.stop();
      store.close();
      await repo[Symbol.asyncDispose]();
    },
  };
}

/** The FluxError a promise rejects with (the test fails if it resolves or rejects otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<FluxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof FluxError)) throw new Error(`expected a FluxError, got ${String(error)}`);
  return error;
}
