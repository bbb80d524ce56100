/**
 * The reconciler of `merge: pr`: GitHub sends the daemon no event, so this is the one poll. One
 * timer, armed only while some finished stage waits on an open pull request (`arm()` after each
 * scheduling pass costs one query), that looks at each such pull request every `[merge] pr_poll`;
 * plus a look at daemon start (`check()`), and `flux merge <id>` looks at once (merge.ts).
 * A look is the stage's merge task, so it never overlaps another task of the stage; a failed
 * look (the network, gh) is logged and the next one tries again.
 */
import { mayMerge } from "../core/flow.ts";
import type { StageState } from "../core/stage/states.ts";
import { readFlow } from "../store/flow.ts";
import { openPullRequests } from "../store/pull-requests.ts";
import type { EngineContext } from "./context.ts";
import { mergeTask } from "./merge.ts";
import { blockOnFailure } from "./task-policy.ts";

const FINISHED: ReadonlySet<StageState> = new Set(["completed", "verified"]);

export class PullRequestWatch {
  private cancelTimer: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: EngineContext,
    /** Milliseconds between looks while a pull request is open. */
    private readonly intervalMs: number,
  ) {}

  /** The stages that wait on an open pull request. */
  waiting(): string[] {
    const plan = this.ctx.store.activePlan();
    if (plan === undefined) return [];
    return openPullRequests(this.ctx.store, plan.id)
      .filter((pr) => {
        const state = this.ctx.store.stage(plan.id, pr.stageId)?.state;
        return state !== undefined && FINISHED.has(state);
      })
      .map((pr) => pr.stageId);
  }

  /**
   * After each scheduling pass: a stage that passed again on a new commit (it was reset or sent
   * back, and its merge is still held for the old pull request) pushes it now; and the timer
   * starts when a pull request is open and it is not running.
   */
  arm(): void {
    if (this.stopped) return;
    this.pushRedone();
    if (this.cancelTimer !== undefined || this.waiting().length === 0) return;
    this.cancelTimer = this.ctx.clock.after(this.intervalMs, () => {
      this.cancelTimer = undefined;
      this.check("timer");
      this.arm();
    });
  }

  /** Looks at every open pull request now (each as its stage's merge task). */
  check(why: string): void {
    if (this.stopped || !mayMerge(readFlow(this.ctx.store))) return;
    for (const stageId of this.waiting()) {
      if (this.ctx.tasks.has(stageId)) continue;
      this.ctx.log(`pull request of ${stageId}: looking (${why})`);
      this.ctx.tasks.spawn(
        stageId,
        "merge",
        () => mergeTask(this.ctx, stageId, false),
        (error) =>
          this.ctx.log(
            `looking at the pull request of ${stageId} failed (tried again in ${Math.round(this.intervalMs / 1000)} s): ${error instanceof Error ? error.message : String(error)}`,
          ),
      );
    }
  }

  private pushRedone(): void {
    const plan = this.ctx.store.activePlan();
    if (plan === undefined || !mayMerge(readFlow(this.ctx.store))) return;
    for (const pr of openPullRequests(this.ctx.store, plan.id)) {
      const stage = this.ctx.store.stage(plan.id, pr.stageId);
      if (stage === undefined || !FINISHED.has(stage.state) || this.ctx.tasks.has(stage.id))
        continue;
      if (stage.passedCommit === null || stage.passedCommit === pr.headCommit) continue;
      this.ctx.log(
        `pull request of ${stage.id}: ${stage.passedCommit.slice(0, 8)} passed, pushing it`,
      );
      // Like any merge the engine starts: a failure blocks the stage (no retry on every pass).
      this.ctx.tasks.spawn(
        stage.id,
        "merge",
        () => mergeTask(this.ctx, stage.id, false),
        blockOnFailure(this.ctx, stage.id, "merge"),
      );
    }
  }

  clear(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }
}
