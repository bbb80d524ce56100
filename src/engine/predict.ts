/**
 * Predicted conflicts, run for the engine: after something may have moved a stage's branch (a
 * completion request, a session's end, and a slow timer while sessions run) it lists the
 * branches in flight, asks git (merge-tree, read-only) about the pairs whose heads moved
 * (core/merge) and stores the answer for `flux status`.
 *
 * Cheap by design, since the daemon's idle CPU must stay near zero: one timer, armed only while
 * a session runs; each run reads the branch tips (one for-each-ref) and runs merge-tree only
 * for pairs with a moved head, and never for two sides on the same commit. Runs never overlap: a request during one runs once more after it.
 */
import {
  branchTipAsync,
  branchTipsAsync,
  mergeConflictsAsync,
  stageBranch,
} from "../adapters/git/index.ts";
import {
  allChecks,
  assemble,
  checkKey,
  checksToRun,
  type InFlightStage,
} from "../core/merge/predict.ts";
import { stageBranchName } from "../core/stage/id.ts";
import type { StageState } from "../core/stage/states.ts";
import { loadPrediction, savePrediction } from "../store/predictions.ts";
import type { WorkPaths } from "../store/paths.ts";
import type { Store } from "../store/store.ts";
import type { Clock } from "./clock.ts";

/** `[merge] predict_interval`'s default: how often running branches are looked at again. */
export const DEFAULT_PREDICT_INTERVAL_MS = 60_000;

/** States whose branch holds work that has not reached the base yet. */
const IN_FLIGHT: ReadonlySet<StageState> = new Set([
  "running",
  "needs_handoff",
  "checking",
  "completed",
  "awaiting_verification",
  "verified",
  "blocked",
]);

export interface ConflictWatchOptions {
  store: Store;
  paths: WorkPaths;
  clock: Clock;
  log: (line: string) => void;
  /** Milliseconds between looks while a session runs. */
  intervalMs: number;
  /** Hears the stage branch tips each look reads (stacked stages follow their dependency). */
  onTips?: ((tips: ReadonlyMap<string, string>) => void) | undefined;
}

export class ConflictWatch {
  private current: Promise<void> | undefined;
  private again = false;
  private cancelTimer: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: ConflictWatchOptions) {}

  /** Predicts again soon (coalesced with a run in progress); `why` goes to the log. */
  poke(why: string): void {
    if (this.stopped) return;
    if (this.current !== undefined) {
      this.again = true;
      return;
    }
    this.options.log(`predict conflicts: ${why}`);
    this.current = this.loop().finally(() => {
      this.current = undefined;
    });
  }

  /** Resolves when no prediction is running (tests, and a caller that wants the fresh answer). */
  async idle(): Promise<void> {
    while (this.current !== undefined) await this.current;
  }

  /** Starts the slow timer if it is not running; it keeps itself going while sessions run. */
  watch(): void {
    if (this.stopped || this.cancelTimer !== undefined) return;
    this.cancelTimer = this.options.clock.after(this.options.intervalMs, () => {
      this.cancelTimer = undefined;
      this.poke("timer");
      if (this.anyRunning()) this.watch();
    });
  }

  clear(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private anyRunning(): boolean {
    const plan = this.options.store.activePlan();
    return (
      plan !== undefined && this.options.store.stages(plan.id).some((s) => s.state === "running")
    );
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.predict();
      } catch (error) {
        // A background look: its failure is the log's, and the next change tries again.
        this.options.log(
          `predict conflicts failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    } while (this.again && !this.stopped);
  }

  private async predict(): Promise<void> {
    const { store, paths } = this.options;
    const plan = store.activePlan();
    if (plan === undefined) return;
    const root = paths.root;
    const base = await branchTipAsync(root, plan.baseBranch);
    if (base === undefined) return;
    // Every stage branch's tip in one git process, not one per stage on every tick.
    const tips = await branchTipsAsync(root, stageBranchName(""));
    this.options.onTips?.(tips);
    const stages: InFlightStage[] = [];
    for (const stage of store.stages(plan.id)) {
      if (!IN_FLIGHT.has(stage.state)) continue;
      const head = tips.get(stageBranch(stage.id));
      if (head !== undefined) stages.push({ id: stage.id, head });
    }
    const previous = loadPrediction(store, plan.id);
    const checks = allChecks(stages, { name: plan.baseBranch, head: base });
    const fresh = new Map<string, string[]>();
    for (const check of checksToRun(previous, checks)) {
      // One commit cannot conflict with itself: the branches where no agent committed yet (all
      // at the base they started from) need no git at all.
      const files =
        check.a.head === check.b.head
          ? []
          : await mergeConflictsAsync(root, check.a.head, check.b.head);
      fresh.set(checkKey(check), files);
    }
    if (fresh.size === 0 && previous.checks.length === checks.length) return;
    if (this.stopped) return;
    savePrediction(store, plan.id, assemble(previous, checks, fresh));
  }
}
