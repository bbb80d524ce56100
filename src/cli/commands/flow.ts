/**
 * `flux pause`, `flux drain`, `flux daemon resume`: flow control (core/flow.ts). Through the
 * daemon while one runs; straight into the store when none does (the next one starts in that
 * mode). Refused inside a session: agents do not steer the scheduler.
 */
import { userInfo } from "node:os";
import { ExitCode } from "../../core/errors.ts";
import type { FlowMode } from "../../core/flow.ts";
import { writeFlow } from "../../store/flow.ts";
import { connectDaemon } from "../client.ts";
import { openStore, refuseInsideSession, requireWorkPaths } from "../context.ts";
import type { CommandContext } from "../main.ts";
import { json, paint } from "../output.ts";

const COMMAND: Record<FlowMode, string> = {
  paused: "flux pause",
  draining: "flux drain",
  running: "flux daemon resume",
};

const SAID: Record<FlowMode, string> = {
  paused:
    "Paused: no session starts (no new stage, no restart, no continuation) and nothing merges until `flux daemon resume`; running agents go on, and their completion requests are checked.",
  draining:
    "Draining: no new stage starts; the work in progress finishes (retries, continuations, merges). `flux daemon resume` starts new stages again.",
  running: "Running: stages start and merge as usual.",
};

export async function setFlow(
  ctx: CommandContext,
  mode: FlowMode,
  opts: { json?: boolean },
): Promise<number> {
  refuseInsideSession(ctx.env, COMMAND[mode]);
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const actor = `human:${ctx.env.USER ?? userInfo().username}`;
  const client = await connectDaemon(paths, ctx.env);
  let previous: FlowMode;
  if (client !== undefined) {
    ({ previous } = await client.call("setFlow", { body: { mode, actor } }));
  } else {
    using store = openStore(paths);
    ({ result: previous } = store.write((emit) => writeFlow(store, emit, mode, actor)));
  }
  const daemon = client !== undefined;
  if (opts.json === true) {
    ctx.output.out(json({ mode, previous, daemon }));
    return ExitCode.ok;
  }
  const c = ctx.output.color;
  ctx.output.out(previous === mode ? `Already ${mode}.` : SAID[mode]);
  if (!daemon) ctx.output.out(paint(c, "dim", `No daemon runs: the next one starts ${mode}.`));
  return ExitCode.ok;
}
