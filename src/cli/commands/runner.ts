/**
 * `flux runner <session-id>`: the process inside a session's tmux pane. Its own small module:
 * it starts once per session, on the dispatch path, so it loads neither the engine nor the
 * server (bench/dispatch).
 */
import fs from "node:fs";
import path from "node:path";
import { runSession } from "../../engine/runner.ts";
import { readSpec } from "../../engine/session-files.ts";
import { readDaemonInfo } from "../../server/daemon-file.ts";
import { workPaths } from "../../store/paths.ts";
import { stateDirFor } from "../../store/state-dir.ts";
import { clientFor } from "../client.ts";
import type { CommandContext } from "../main.ts";

/** How long the runner waits for the daemon to take a report, in ms; exit.json keeps it anyway. */
const REPORT_TIMEOUT_MS = 15_000;
/** How long a context report may take before the runner goes on without its answer. */
const CONTEXT_TIMEOUT_MS = 5_000;
/** How long a heartbeat may take: a daemon slower than this misses a beat, not the session. */
const HEARTBEAT_TIMEOUT_MS = 5_000;

export async function runner(ctx: CommandContext, sessionId: string): Promise<number> {
  const work = ctx.env.FLUX_WORK_DIR ?? path.join(ctx.cwd, ".work");
  const paths = workPaths(path.dirname(fs.realpathSync(work)));
  // The engine names its state directory (it may differ from this process's default).
  const stateDir = ctx.env.FLUX_STATE_DIR ?? stateDirFor(paths.root, ctx.env);
  const spec = readSpec(stateDir, sessionId);
  const env = { ...ctx.env, FLUX_SESSION_TOKEN: spec.env.FLUX_SESSION_TOKEN };
  const daemon = () => {
    const info = readDaemonInfo(paths.work);
    return info === undefined ? undefined : clientFor(info, env);
  };
  const params = { id: sessionId };
  // A daemon that accepts but never answers must not keep the runner (and its pane) alive.
  const timeout = () => ({ signal: AbortSignal.timeout(REPORT_TIMEOUT_MS) });
  // The pane may be closed under the runner (the user killed the window): what it shows is
  // lost, but the exit must still be recorded and reported.
  process.stdout.on("error", () => undefined);
  return runSession({
    work: paths.work,
    stateDir,
    sessionId,
    display: process.stdout,
    reporter: {
      started: async (pid) => {
        await daemon()?.call("sessionStarted", { params, body: { pid } }, timeout());
      },
      // A context figure waits for no one: a slow daemon is skipped, the next figure is sent.
      context: (body) =>
        daemon()?.call(
          "sessionContext",
          { params, body },
          {
            signal: AbortSignal.timeout(CONTEXT_TIMEOUT_MS),
          },
        ) ?? Promise.resolve(undefined),
      heartbeat: async () => {
        const signal = AbortSignal.timeout(HEARTBEAT_TIMEOUT_MS);
        await daemon()?.call("sessionHeartbeat", { params }, { signal });
      },
      exited: async (code, signal, telemetry) => {
        const body = { code, signal, telemetry };
        await daemon()?.call("sessionExited", { params, body }, timeout());
      },
    },
  });
}
