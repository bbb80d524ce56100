/**
 * What `flux run` asked of the engine, and what the engine remembers between passes about the
 * stages in it: the scope (which stages may start), parallelism, the environment sessions
 * inherit, why each stage's next session starts, the commands printed for `--manual` runs, and
 * the merges that wait for a human's `flux merge`. One owner, small verbs: nothing else writes
 * these. Every change is written through to the store (run-state.ts) before the verb returns,
 * so a restarted daemon goes on where the last one stopped; the environment, which holds API
 * keys, goes to the per-user state directory instead (state-dir.ts), never into `flux.db`.
 */
import type { SessionPurpose } from "../store/sessions.ts";
import type { RunScopeRecord, StageRunFacts } from "../store/run-state.ts";
import { readRunScope, readStageRuns, writeRunScope, writeStageRun } from "../store/run-state.ts";
import { readRunEnv, writeRunEnv } from "../store/state-dir.ts";
import type { Store } from "../store/store.ts";

interface Loaded {
  planId: number;
  /** undefined: nothing asked yet for this plan (nothing starts). */
  scope: RunScopeRecord | undefined;
  stages: Map<string, StageRunFacts>;
}

const NO_FACTS: StageRunFacts = { nextPurpose: null, mergeHeld: false, manualCommand: null };

export class RunScope {
  private loaded: Loaded | undefined;
  private environment: NodeJS.ProcessEnv;

  constructor(
    private readonly store: Store,
    private readonly options: {
      /** The default when no request set one. */
      maxParallel: number;
      /** The daemon's own environment: sessions get it until a `flux run` brings one. */
      env: NodeJS.ProcessEnv;
      /** Where the run's environment is kept (per-user, 0600); undefined: memory only. */
      stateDir: string | undefined;
    },
  ) {
    this.environment =
      (options.stateDir === undefined ? undefined : readRunEnv(options.stateDir)) ?? options.env;
  }

  /** True once a run was requested for the active plan: before that the engine starts nothing. */
  get requested(): boolean {
    return this.current()?.scope !== undefined;
  }

  get manual(): boolean {
    return this.current()?.scope?.manual ?? false;
  }

  get maxParallel(): number {
    return this.current()?.scope?.maxParallel ?? this.options.maxParallel;
  }

  /** The environment sessions inherit (the one the last `flux run` was started from). */
  get env(): NodeJS.ProcessEnv {
    return this.environment;
  }

  /**
   * Widens the scope with a request (null: the whole plan). Returns the scope now in force.
   * A later request never narrows what an earlier one let start.
   */
  widen(
    wanted: Set<string> | null,
    options: { manual?: boolean | undefined; maxParallel?: number | undefined },
  ): Set<string> | null {
    const loaded = this.mustLoad();
    const previous = loaded.scope;
    const stages =
      wanted === null || previous?.stages === null
        ? null
        : [...new Set([...(previous?.stages ?? []), ...wanted])];
    this.saveScope(loaded, {
      stages,
      manual: options.manual ?? previous?.manual ?? false,
      maxParallel: options.maxParallel ?? previous?.maxParallel ?? null,
    });
    return stages === null ? null : new Set(stages);
  }

  /** Puts one stage in scope (a resumed or rejected stage starts again even in a scoped run). */
  include(stageId: string): void {
    const loaded = this.mustLoad();
    const scope = loaded.scope;
    if (scope === undefined) {
      this.saveScope(loaded, { stages: [stageId], manual: false, maxParallel: null });
    } else if (scope.stages !== null && !scope.stages.includes(stageId)) {
      this.saveScope(loaded, { ...scope, stages: [...scope.stages, stageId] });
    }
  }

  has(stageId: string): boolean {
    const scope = this.current()?.scope;
    if (scope === undefined) return false;
    return scope.stages === null || scope.stages.includes(stageId);
  }

  /** Sets the sessions' environment; true when it differs from the one before. */
  setEnv(env: NodeJS.ProcessEnv): boolean {
    const changed = JSON.stringify(env) !== JSON.stringify(this.environment);
    this.environment = env;
    if (changed && this.options.stateDir !== undefined) writeRunEnv(this.options.stateDir, env);
    return changed;
  }

  /** Records why the stage's next session starts (a crash, a rejected gate, `flux resume`…). */
  setPurpose(stageId: string, purpose: SessionPurpose): void {
    this.update(stageId, { nextPurpose: purpose });
  }

  /** The recorded purpose of the stage's next session, if any, left in place. */
  peekPurpose(stageId: string): SessionPurpose | undefined {
    return this.facts(stageId).nextPurpose ?? undefined;
  }

  /**
   * Takes the recorded purpose of the stage's next session, if any. startSession takes it in
   * the transaction that records the session: a daemon killed before that still knows it.
   */
  takePurpose(stageId: string): SessionPurpose | undefined {
    const purpose = this.facts(stageId).nextPurpose;
    if (purpose !== null) this.update(stageId, { nextPurpose: null });
    return purpose ?? undefined;
  }

  recordManualCommand(stageId: string, command: string): void {
    this.update(stageId, { manualCommand: command });
  }

  manualCommandsByStage(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [id, facts] of this.current()?.stages ?? []) {
      if (facts.manualCommand !== null) out[id] = facts.manualCommand;
    }
    return out;
  }

  /** The stage's merge waits for a human's `flux merge` (the user's files overlap it). */
  holdMerge(stageId: string): void {
    if (!this.mergeHeld(stageId)) this.update(stageId, { mergeHeld: true });
  }

  releaseMerge(stageId: string): void {
    if (this.mergeHeld(stageId)) this.update(stageId, { mergeHeld: false });
  }

  mergeHeld(stageId: string): boolean {
    return this.facts(stageId).mergeHeld;
  }

  private facts(stageId: string): StageRunFacts {
    return this.current()?.stages.get(stageId) ?? NO_FACTS;
  }

  private update(stageId: string, patch: Partial<StageRunFacts>): void {
    const loaded = this.mustLoad();
    const next = { ...(loaded.stages.get(stageId) ?? NO_FACTS), ...patch };
    writeStageRun(this.store, loaded.planId, stageId, next);
    loaded.stages.set(stageId, next);
  }

  private saveScope(loaded: Loaded, scope: RunScopeRecord): void {
    writeRunScope(this.store, loaded.planId, scope);
    loaded.scope = scope;
  }

  /** What is remembered for the active plan (read once per plan; this owner writes it). */
  private current(): Loaded | undefined {
    const plan = this.store.activePlan();
    if (plan === undefined) return undefined;
    if (this.loaded?.planId !== plan.id) {
      this.loaded = {
        planId: plan.id,
        scope: readRunScope(this.store, plan.id),
        stages: readStageRuns(this.store, plan.id),
      };
    }
    return this.loaded;
  }

  private mustLoad(): Loaded {
    const loaded = this.current();
    if (loaded === undefined) throw new Error("no active plan: the engine checks this first");
    return loaded;
  }
}
