/** A temp repository with a plan, for CLI tests. */
import fs from "node:fs";
import { stateDirFor } from "../../src/store/state-dir.ts";
import { TEST_STATE_HOME, flux } from "./cli.ts";
import type { RunResult } from "./cli.ts";
import { planMarkdown } from "./plans.ts";
import type { TempRepo } from "./temp-repo.ts";
import { tempRepo } from "./temp-repo.ts";
import { mustRemove } from "./leaks.ts";

export interface FluxRepo extends TempRepo {
  run: (args: string[], env?: Record<string, string | undefined>) => Promise<RunResult>;
  /** Runs and fails the test unless the exit code is `code` (default 0). */
  ok: (
    args: string[],
    code?: number,
    env?: Record<string, string | undefined>,
  ) => Promise<RunResult>;
}

export const DIAMOND_YAML = `    - id: a
      name: "Alpha"
      acceptance: ["true"]
    - id: b
      dependencies: [a]
    - id: c
      dependencies: [a]
    - id: d
      dependencies: [b, c]
`;

export async function fluxRepo(stagesYaml: string = DIAMOND_YAML): Promise<FluxRepo> {
  const repo = await tempRepo();
  repo.write("doc/plans/PLAN-test.md", planMarkdown(stagesYaml));
  const run = (args: string[], env?: Record<string, string | undefined>) =>
    flux(args, { cwd: repo.dir, env });
  // A run keeps its environment in the per-user state directory, outside the repository.
  const stateDir = stateDirFor(repo.dir, { XDG_STATE_HOME: TEST_STATE_HOME });
  mustRemove(stateDir, "the per-user state of a fluxRepo() that was not disposed");
  return {
    ...repo,
    [Symbol.asyncDispose]: async () => {
      // A command that needed the engine started a daemon: stop it with the repository.
      await run(["daemon", "stop"]).catch(() => undefined);
      fs.rmSync(stateDir, { recursive: true, force: true });
      await repo[Symbol.asyncDispose]();
    },
    run,
    async ok(args, code = 0, env) {
      const result = await run(args, env);
      if (result.code !== code) {
        throw new Error(
          `flux ${args.join(" ")} exited ${result.code}, expected ${code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
        );
      }
      return result;
    },
  };
}
