/**
 * `flux daemon poke` (internal): what tmux runs when a session of this repository closes
 * (`.work/bin/session-closed`). The daemon then looks for sessions that ended without
 * reporting — a runner killed with SIGKILL — instead of learning it at its next start.
 * Quiet and always 0: it runs in tmux's background, with nobody to read it.
 */
import path from "node:path";
import { workPaths } from "../../store/paths.ts";
import { notifyDaemon } from "../client.ts";
import type { CommandContext } from "../main.ts";

export async function daemonPoke(ctx: CommandContext): Promise<number> {
  const work = ctx.env.FLUX_WORK_DIR ?? path.join(ctx.cwd, ".work");
  await notifyDaemon(workPaths(path.dirname(work)), ctx.env, { sessions: true }).catch(
    () => undefined,
  );
  return 0;
}
