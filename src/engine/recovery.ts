/**
 * What a restarted engine redoes (DESIGN.md §3: "redoes in-flight acceptance runs
 * idempotently"). An acceptance run is in the store before it starts (run-state.ts
 * `stage_tasks`), with the process group of the check running now. After a crash of the daemon,
 * that group may still run — it is killed, once it is verified to be the one Flux started —
 * and every stage left `checking` gets its acceptance again, on the commit that was asked for.
 * Task records of other kinds need nothing: a merge is decided again by the next pass, a
 * session's start by its session row.
 */
import { headCommitAsync, worktreePath } from "../adapters/git/index.ts";
import { groupAlive, leaderStatus, signalGroup } from "../adapters/process/proc.ts";
import type { TaskRecord } from "../store/run-state.ts";
import { endTask, openTasks } from "../store/run-state.ts";
import type { VerdictTrigger } from "./completion.ts";
import type { EngineContext } from "./context.ts";

const TRIGGERS: readonly VerdictTrigger[] = ["request", "exit", "recheck", "verify"];

export async function redoInFlight(ctx: EngineContext): Promise<void> {
  const plan = ctx.store.activePlan();
  if (plan === undefined) return;
  const tasks = new Map(openTasks(ctx.store, plan.id).map((t) => [t.stageId, t]));
  for (const task of tasks.values()) {
    if (task.pgid !== null) killOrphan(ctx, task);
    if (task.kind !== "acceptance" || ctx.store.stage(plan.id, task.stageId)?.state !== "checking")
      endTask(ctx.store, plan.id, task.stageId, task.kind);
  }
  for (const stage of ctx.store.stages(plan.id)) {
    if (stage.state !== "checking" || ctx.tasks.has(stage.id)) continue;
    const task = tasks.get(stage.id);
    let commit = task?.commit ?? undefined;
    if (commit === undefined) {
      try {
        commit = await headCommitAsync(worktreePath(ctx.paths.root, stage.id));
      } catch (error) {
        ctx.move(
          stage.id,
          "block",
          `its acceptance was running when the daemon stopped, and its worktree cannot be read: ${error instanceof Error ? error.message : String(error)}`.slice(
            0,
            2000,
          ),
        );
        continue;
      }
    }
    const trigger = TRIGGERS.find((t) => t === task?.trigger) ?? "recheck";
    ctx.log(`redoing the acceptance of ${stage.id} at ${commit.slice(0, 8)}: its run was cut off`);
    ctx
      .verdict(stage.id, { trigger, commit, sessionId: task?.sessionId ?? undefined })
      .catch((error: unknown) =>
        ctx.log(`the redone acceptance of ${stage.id} failed: ${String(error)}`),
      );
  }
}

/** Kills the check a dead daemon left running, if it is verifiably that one. */
function killOrphan(ctx: EngineContext, task: TaskRecord): void {
  const pgid = task.pgid;
  if (pgid === null) return;
  const leader = leaderStatus(pgid, task.pgidStart ?? undefined);
  // "gone" with members left: a pgid is not reused while its group has members.
  const ours = leader === "alive" || (leader === "gone" && groupAlive(pgid));
  if (!ours) return;
  ctx.log(`killing the acceptance check of ${task.stageId} left running (process group ${pgid})`);
  signalGroup(pgid, "SIGKILL");
}
