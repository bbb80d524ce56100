/**
 * A session's environment and the `flux` shim on its PATH. Used when a session starts and
 * whenever Flux runs the stage's commands (acceptance, setup) the way the agent would.
 */
import fs from "node:fs";
import path from "node:path";
import type { Stage } from "../core/plan/model.ts";
import { shellQuote } from "../core/shell.ts";
import type { EngineContext } from "./context.ts";

/**
 * A session's environment (DESIGN.md §3): the environment `flux run` was started from, the
 * plan's and stage's `env`, FLUX_* variables, and a PATH with flux on it. The admin token is
 * never in it: a session acts with its own token, for its own stage only.
 */
export function sessionEnv(ctx: EngineContext, stage: Stage): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(ctx.run.env)) {
    if (value !== undefined && !key.startsWith("FLUX_")) base[key] = value;
  }
  const binDir = ensureFluxShim(ctx);
  return {
    ...base,
    ...stage.env,
    FLUX_STAGE_ID: stage.id,
    FLUX_WORK_DIR: ctx.paths.work,
    FLUX_BIN: ctx.fluxBin,
    PATH: [
      binDir,
      path.dirname(process.execPath),
      base.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    ].join(":"),
  };
}

/** `.work/bin/flux`: lets agents (and their login shells) call `flux` by name. */
function ensureFluxShim(ctx: EngineContext): string {
  const dir = path.join(ctx.paths.work, "bin");
  const shim = path.join(dir, "flux");
  const content = `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(ctx.fluxBin)} "$@"\n`;
  let current: string | undefined;
  try {
    current = fs.readFileSync(shim, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (current !== content) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(shim, content, { mode: 0o755 });
  }
  return dir;
}
