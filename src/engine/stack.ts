/**
 * Stacked stages (`stack: true`, docs/architecture.md "Stacked stages"). A stacked stage starts
 * from its one dependency's branch (`flux/<dep>`) once that passed its acceptance, before it
 * merges; `stages.stacked_on` records the dependency commit its branch sits on. Then:
 *
 * - restack: the dependency's branch moved (a recheck after a rebase, a fix session's commits,
 *   a human's commit or conflict resolution) → `git rebase --onto <new tip> <stacked_on>` in
 *   the dependent's worktree, and a re-check when its acceptance had passed. At once when no
 *   session of the dependent runs (a stage task, "restack"); otherwise at its next completion
 *   request, before the acceptance, and the agent is told why (`Verdict.restacked`).
 * - retarget: the dependency merged (or was skipped) → `git rebase --onto <base> <stacked_on>`,
 *   `stacked_on` cleared; from then on it is a normal stage that merges into the base. Until
 *   then its merge waits (`mergeHold`): merging first would bring the dependency's commits to
 *   the base through the dependent.
 *
 * What starts a look (StackWatch.poke): any stage's move (the dependency's recheck passing,
 * merging, a stacked stage leaving `checking`), the predicted-conflict watch reading the branch
 * tips (completion requests, session ends, its timer), and the engine's start. Each look reads
 * the branch tips with one for-each-ref and only when a stacked stage could act.
 *
 * Crash-proof: `stacked_on` and `restacking` (the target of a rebase under way) are in the
 * store. A rebase a kill left half done is aborted and done again; one that finished before
 * `stacked_on` was written is recognised by ancestry (the target is in the branch already).
 */
import {
  abortRebase,
  branchTipAsync,
  branchTipsAsync,
  headCommitAsync,
  isAncestorAsync,
  mergeBaseAsync,
  rebaseFrom,
  rebaseInProgress,
  stageBranch,
  worktreePath,
} from "../adapters/git/index.ts";
import { ExitCode, FluxError } from "../core/errors.ts";
import type { Stage } from "../core/plan/model.ts";
import { stageBranchName } from "../core/stage/id.ts";
import type { StageState } from "../core/stage/states.ts";
import type { StageRecord } from "../store/store.ts";
import type { EngineContext } from "./context.ts";
import { blockOnFailure } from "./task-policy.ts";
import { ensureWorktree } from "./worktree.ts";

/** The stage task kind of a restack or retarget (completion.ts queues a verdict behind it). */
export const RESTACK_TASK = "restack";

/** States of the dependency whose branch a stacked stage builds on (core/graph/readiness.ts). */
const ON_BRANCH: ReadonlySet<StageState> = new Set([
  "completed",
  "awaiting_verification",
  "verified",
]);
/** States of the dependency after which the dependent goes onto the base. */
const GONE: ReadonlySet<StageState> = new Set(["merged", "skipped"]);
/** Dependent states in which no session runs: Flux restacks at once. */
const AT_ONCE: ReadonlySet<StageState> = new Set([
  "waiting",
  "ready",
  "parked",
  "completed",
  "awaiting_verification",
  "verified",
]);
/** Dependent states whose acceptance had passed: a moved branch is checked again. */
const PASSED: ReadonlySet<StageState> = new Set(["completed", "awaiting_verification", "verified"]);

/** The one dependency a stacked stage builds on, or undefined for any other stage. */
export function stackDependency(spec: Stage): string | undefined {
  return spec.stack === true && spec.dependencies.length === 1 ? spec.dependencies[0] : undefined;
}

/** The branch a stage's new branch starts from: its dependency's while that is unmerged. */
export function startBranch(ctx: EngineContext, stage: StageRecord): string {
  const dep = stackDependency(stage.spec);
  if (dep === undefined) return ctx.plan().baseBranch;
  const upstream = ctx.store.stage(stage.planId, dep);
  return upstream !== undefined && ON_BRANCH.has(upstream.state)
    ? stageBranchName(dep)
    : ctx.plan().baseBranch;
}

/**
 * After a stacked stage's worktree exists: records the dependency commit its branch sits on
 * (their merge base: the tip it started from, or the one a daemon killed before this line
 * branched from). Nothing when it is recorded already or the dependency is not on its branch.
 */
export async function recordStack(ctx: EngineContext, stageId: string): Promise<void> {
  const stage = ctx.stage(stageId);
  const dep = stackDependency(stage.spec);
  if (dep === undefined || stage.stackedOn !== null) return;
  const upstream = ctx.store.stage(stage.planId, dep);
  if (upstream === undefined || !ON_BRANCH.has(upstream.state)) return;
  const root = ctx.paths.root;
  const tip = await branchTipAsync(root, stageBranch(dep));
  if (tip === undefined) return;
  const base = await mergeBaseAsync(root, tip, stageBranch(stageId));
  if (base === undefined) return;
  ctx.note(stageId, { stackedOn: base });
  ctx.log(`${stageId} is stacked on ${dep} at ${base.slice(0, 8)}`);
}

/** Whether a stacked stage's dependency has still to merge (a human's gate or merge, mostly). */
export function waitsForDependency(ctx: EngineContext, stage: StageRecord): boolean {
  const dep = stackDependency(stage.spec);
  if (dep === undefined) return false;
  const upstream = ctx.store.stage(stage.planId, dep);
  return upstream !== undefined && !GONE.has(upstream.state);
}

/**
 * Why a finished stacked stage may not merge yet, or undefined: it merges only after its
 * dependency has, and after it was retargeted onto the base.
 */
export function mergeHold(ctx: EngineContext, stage: StageRecord): string | undefined {
  const dep = stackDependency(stage.spec);
  if (dep === undefined) return undefined;
  const upstream = ctx.store.stage(stage.planId, dep);
  const gone = upstream === undefined || GONE.has(upstream.state);
  if (gone && stage.stackedOn === null) return undefined;
  const on = stage.stackedOn === null ? "" : ` (${stage.stackedOn.slice(0, 8)})`;
  return gone
    ? `stacked on ${dep}${on}: moving onto ${ctx.plan().baseBranch} before it merges`
    : `stacked on ${dep}${on}: merges after ${dep} has merged`;
}

/** What a stacked stage's branch needs: a rebase from `upstream` onto `onto`, and why. */
interface StackMove {
  kind: "restack" | "retarget";
  dep: string;
  onto: string;
  upstream: string;
  /** What happened to the dependency: "a merged", "a's branch moved (x → y)". */
  cause: string;
  /** The reason recorded for the re-check: the cause and what Flux did. */
  why: string;
}

/** Decides the move for a stacked stage from the store and the dependency's tip. */
async function decide(
  ctx: EngineContext,
  stage: StageRecord,
  tips?: ReadonlyMap<string, string>,
): Promise<StackMove | undefined> {
  const dep = stackDependency(stage.spec);
  if (dep === undefined || stage.stackedOn === null) return undefined;
  const root = ctx.paths.root;
  const plan = ctx.plan();
  const upstream = ctx.store.stage(stage.planId, dep);
  if (upstream === undefined || GONE.has(upstream.state)) {
    const onto = await branchTipAsync(root, plan.baseBranch);
    if (onto === undefined) return undefined;
    const cause = `${dep} ${upstream?.state === "skipped" ? "was skipped" : "merged"}`;
    return {
      kind: "retarget",
      dep,
      onto,
      upstream: stage.stackedOn,
      cause,
      why: `${cause}: rebased onto ${plan.baseBranch} (${onto.slice(0, 8)})`,
    };
  }
  const tip = tips?.get(stageBranch(dep)) ?? (await branchTipAsync(root, stageBranch(dep)));
  if (tip === undefined || tip === stage.stackedOn) return undefined;
  const cause = `${dep}'s branch moved (${stage.stackedOn.slice(0, 8)} → ${tip.slice(0, 8)})`;
  return {
    kind: "restack",
    dep,
    onto: tip,
    upstream: stage.stackedOn,
    cause,
    why: `${cause}: restacked onto it`,
  };
}

type Applied =
  | { kind: "moved"; head: string; move: StackMove }
  | { kind: "conflict"; files: string[]; move: StackMove }
  | { kind: "none" };

/**
 * A restack of Flux's own that a stopped daemon left half done in a running stage's worktree
 * (its completion request was cut off): aborted before the next request looks at the worktree,
 * so the agent's branch is as it was. Nothing when no restack was under way.
 */
export async function abortStaleRestack(ctx: EngineContext, stageId: string): Promise<void> {
  if (ctx.stage(stageId).restacking === null) return;
  const worktree = worktreePath(ctx.paths.root, stageId);
  if (await rebaseInProgress(worktree)) {
    ctx.log(`${stageId}: aborting the restack a stopped daemon left half done`);
    await abortRebase(worktree);
  }
  ctx.note(stageId, { restacking: null });
}

/**
 * Brings a stacked stage's branch where it belongs: aborts a rebase a killed daemon left, then
 * rebases if the dependency moved or merged. The store says `restacking` while git works.
 */
async function apply(ctx: EngineContext, stageId: string, worktree: string): Promise<Applied> {
  await abortStaleRestack(ctx, stageId);
  const stage = ctx.stage(stageId);
  const move = await decide(ctx, stage);
  if (move === undefined) return { kind: "none" };
  const head = await headCommitAsync(worktree);
  // Done already (a daemon stopped before it wrote `stacked_on`, or a human rebased it; for a
  // retarget: the base is the dependency's tip, fast-forwarded).
  if (await isAncestorAsync(worktree, move.onto, head)) {
    ctx.note(stageId, { stackedOn: move.kind === "restack" ? move.onto : null });
    return { kind: "none" };
  }
  ctx.note(stageId, { restacking: move.onto });
  const result = await rebaseFrom({ worktree, onto: move.onto, upstream: move.upstream });
  if (result.kind === "conflict") {
    ctx.note(stageId, { restacking: null });
    return { kind: "conflict", files: result.files, move };
  }
  ctx.note(stageId, {
    restacking: null,
    stackedOn: move.kind === "restack" ? move.onto : null,
  });
  ctx.log(`${stageId}: ${move.kind === "restack" ? "restacked" : "retargeted"}: ${move.why}`);
  return { kind: "moved", head: result.head, move };
}

/** What a human (or the agent) runs to do the rebase by hand. */
function byHand(stageId: string, move: StackMove): string {
  return `in .worktrees/${stageId} run \`git rebase --onto ${move.onto.slice(0, 12)} ${move.upstream.slice(0, 12)}\`, resolve the files, \`git add\` them and \`git rebase --continue\``;
}

/**
 * The restack or retarget of a stage with no session running (the "restack" task). A
 * conflict blocks the stage with the files and what to do; a moved branch whose acceptance
 * had passed is checked again (a stage at its gate too: the reviewer sees the new code).
 */
export async function restackTask(ctx: EngineContext, stageId: string): Promise<void> {
  const stage = ctx.stage(stageId);
  if (!AT_ONCE.has(stage.state)) return;
  const worktree = await ensureWorktree(ctx, stageId);
  const applied = await apply(ctx, stageId, worktree);
  const after = ctx.stage(stageId);
  if (applied.kind === "conflict") {
    const { move, files } = applied;
    ctx.move(
      stageId,
      "block",
      `${move.kind === "restack" ? `restacking onto ${move.dep}` : `moving onto ${ctx.plan().baseBranch} after ${move.dep}`} conflicts in ${files.join(", ")}: ${byHand(stageId, move)}, then \`flux merge ${stageId}\` to check it again`,
    );
    return;
  }
  // A stage a human completed without acceptance (no passed commit) is not checked here either.
  if (!PASSED.has(after.state) || after.passedCommit === null) return;
  const head = await headCommitAsync(worktree);
  if (after.passedCommit === head) return;
  const why =
    applied.kind === "moved"
      ? applied.move.why
      : `the branch moved since its acceptance passed (${after.passedCommit.slice(0, 8)} → ${head.slice(0, 8)})`;
  ctx.move(stageId, "recheck_requested", `checking again: ${why}`);
  // Queued behind this task (completion.ts lets a verdict wait for a restack).
  ctx
    .verdict(stageId, { trigger: "recheck", commit: head })
    .catch((error: unknown) => ctx.log(`recheck of ${stageId} failed: ${String(error)}`));
}

/**
 * At a completion request of a stacked stage whose session runs: the restack or retarget it
 * missed, before the acceptance. Returns what the agent is told, or undefined when nothing
 * moved. A conflict refuses the request (STACK_CONFLICT): the agent is there to resolve it.
 */
export async function restackForCompletion(
  ctx: EngineContext,
  stageId: string,
): Promise<string | undefined> {
  if (stackDependency(ctx.stage(stageId).spec) === undefined) return undefined;
  const worktree = worktreePath(ctx.paths.root, stageId);
  const applied = await apply(ctx, stageId, worktree);
  if (applied.kind === "none") return undefined;
  const { move } = applied;
  if (applied.kind === "conflict") {
    throw new FluxError(
      "STACK_CONFLICT",
      `${move.cause}, and rebasing this stage's commits onto ${move.kind === "restack" ? "it" : ctx.plan().baseBranch} conflicts in ${applied.files.join(", ")}`,
      {
        hint: `${byHand(stageId, move).replace(/^in \.worktrees\/[^ ]+ /, "")}, then ask to complete again`,
        exitCode: ExitCode.refused,
        data: { files: applied.files, onto: move.onto, upstream: move.upstream },
      },
    );
  }
  return move.kind === "restack"
    ? `Flux rebased this stage's commits before checking them: it is stacked on ${move.dep}, and ${move.dep}'s branch moved (${move.upstream.slice(0, 8)} → ${move.onto.slice(0, 8)}). Your branch now sits on ${move.onto.slice(0, 8)}; the acceptance runs on ${applied.head.slice(0, 8)}.`
    : `Flux rebased this stage's commits before checking them: ${move.dep}, which it was stacked on, is on ${ctx.plan().baseBranch} now, so your branch was moved onto ${ctx.plan().baseBranch} (${move.onto.slice(0, 8)}); the acceptance runs on ${applied.head.slice(0, 8)}.`;
}

/**
 * Looks, on request, for stacked stages to restack or retarget at once and spawns their tasks.
 * Looks never overlap: a poke during one makes one more after it.
 */
export class StackWatch {
  private current: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly ctx: EngineContext,
    /** Called after each look has ended (the engine may have settled). */
    private readonly ended: () => void = () => {},
  ) {}

  poke(tips?: ReadonlyMap<string, string>): void {
    if (this.stopped) return;
    if (this.current !== undefined) {
      this.again = true;
      return;
    }
    // On the next turn: the write that poked has committed and the task that moved a stage
    // has let go of it.
    this.current = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.loop(tips))
      .finally(() => {
        this.current = undefined;
        this.ended();
      });
  }

  /** A look is pending or running: it may start a restack. */
  busy(): boolean {
    return this.current !== undefined;
  }

  /** Resolves when no look is running. */
  async idle(): Promise<void> {
    while (this.current !== undefined) await this.current;
  }

  clear(): void {
    this.stopped = true;
  }

  private async loop(tips?: ReadonlyMap<string, string>): Promise<void> {
    let given = tips;
    do {
      this.again = false;
      try {
        await this.look(given);
      } catch (error) {
        // A background look: the next change looks again.
        this.ctx.log(
          `stack look failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      given = undefined;
    } while (this.again && !this.stopped);
  }

  private async look(given?: ReadonlyMap<string, string>): Promise<void> {
    const { ctx } = this;
    if (this.stopped) return;
    const plan = ctx.store.activePlan();
    if (plan === undefined) return;
    const candidates = ctx.store
      .stages(plan.id)
      .filter(
        (s) =>
          stackDependency(s.spec) !== undefined &&
          (s.stackedOn !== null || s.restacking !== null) &&
          AT_ONCE.has(s.state) &&
          !ctx.tasks.has(s.id),
      );
    if (candidates.length === 0) return;
    const tips = given ?? (await branchTipsAsync(ctx.paths.root, stageBranchName("")));
    for (const stage of candidates) {
      if (this.stopped || ctx.tasks.has(stage.id)) continue;
      const due =
        stage.restacking !== null ||
        (await decide(ctx, stage, tips)) !== undefined ||
        (PASSED.has(stage.state) &&
          stage.passedCommit !== null &&
          stage.passedCommit !== tips.get(stageBranch(stage.id)));
      if (!due) continue;
      ctx.tasks.spawn(
        stage.id,
        RESTACK_TASK,
        () => restackTask(ctx, stage.id),
        blockOnFailure(ctx, stage.id, RESTACK_TASK),
      );
    }
  }
}
