/**
 * `flux doctor`'s check for `merge: pr`, made only when the active plan has such a stage: is
 * `gh` there to open pull requests and tell a squash merge? Without it Flux pushes the branch,
 * the user opens the pull request, and a merge is seen by ancestry only.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { TERMINAL_STATES } from "../../core/stage/states.ts";
import { Store } from "../../store/store.ts";
import { findWorkRoot } from "../context.ts";
import type { Check } from "./doctor-checks.ts";

function usesPullRequests(cwd: string, env: NodeJS.ProcessEnv): boolean {
  const root = findWorkRoot(cwd, env);
  const db = root === undefined ? undefined : path.join(root, ".work", "flux.db");
  if (db === undefined || !fs.existsSync(db)) return false;
  let store: Store | undefined;
  try {
    store = new Store(db);
    const plan = store.activePlan();
    return (
      plan !== undefined &&
      store.stages(plan.id).some((s) => s.spec.merge === "pr" && !TERMINAL_STATES.has(s.state))
    );
  } catch {
    return false; // an unreadable store is the .work and sqlite checks' to report
  } finally {
    store?.close();
  }
}

export function pullRequestChecks(cwd: string, env: NodeJS.ProcessEnv): Check[] {
  if (!usesPullRequests(cwd, env)) return [];
  try {
    const version = execFileSync("gh", ["--version"], {
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    });
    return [
      {
        name: "gh",
        need: "optional",
        status: "ok",
        detail: `${version.split("\n")[0] ?? "gh"} (merge: pr opens pull requests with it)`,
      },
    ];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      return [
        {
          name: "gh",
          need: "optional",
          status: "problem",
          detail: `\`gh --version\` failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
          fix: "run `gh --version` yourself; reinstall the GitHub CLI if it does not answer",
        },
      ];
    return [
      {
        name: "gh",
        need: "optional",
        status: "problem",
        detail:
          "not on PATH: for merge: pr stages Flux pushes the branch and you open the pull request; a merge is then seen by ancestry only (squash and rebase merges are not)",
        fix: "install the GitHub CLI (https://cli.github.com) and run `gh auth login`",
      },
    ];
  }
}
