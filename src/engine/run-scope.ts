/**
 * What `flux run` asked of the engine, and what the engine remembers between passes about the
 * stages in it: the scope (which stages may start), parallelism, the environment sessions
 * inherit, why each stage's next session starts, the commands printed for `--manual` runs, and
 * the merges that wait for a human's `flux merge`. One owner, small verbs: nothing else writes
 * these.
 */
import type { SessionPurpose } from "../store/sessions.ts";

export class RunScope {
  /** null: every stage of the plan; undefined: nothing asked yet (nothing starts). */
  private stages: Set<string> | null | undefined;
  private manualRun = false;
  private parallel: number;
  private environment: NodeJS.ProcessEnv;
  private readonly purposes = new Map<string, SessionPurpose>();
  private readonly manualCommands = new Map<string, string>();
  private readonly heldMerges = new Set<string>();

  constructor(options: { maxParallel: number; env: NodeJS.ProcessEnv }) {
    this.parallel = options.maxParallel;
    this.environment = options.env;
  }

  /** True once a run was requested: before that the engine starts nothing. */
  get requested(): boolean {
    return this.stages !== undefined;
  }

  get manual(): boolean {
    return this.manualRun;
  }

  get maxParallel(): number {
    return this.parallel;
  }

  /** The environment sessions inherit (the one `flux run` was started from). */
  get env(): NodeJS.ProcessEnv {
    return this.environment;
  }

  /** The stages in scope (null: all), or undefined before any request. */
  get scope(): ReadonlySet<string> | null | undefined {
    return this.stages;
  }

  /**
   * Widens the scope with a request (null: the whole plan). Returns the scope now in force.
   * A later request never narrows what an earlier one let start.
   */
  widen(
    wanted: Set<string> | null,
    options: { manual?: boolean; maxParallel?: number },
  ): Set<string> | null {
    const previous = this.stages;
    const merged =
      wanted === null || previous === null ? null : new Set([...(previous ?? []), ...wanted]);
    this.stages = merged;
    this.manualRun = options.manual ?? this.manualRun;
    if (options.maxParallel !== undefined) this.parallel = options.maxParallel;
    return merged;
  }

  /** Puts one stage in scope (a resumed or rejected stage starts again even in a scoped run). */
  include(stageId: string): void {
    if (this.stages === undefined) this.stages = new Set([stageId]);
    else if (this.stages !== null) this.stages.add(stageId);
  }

  has(stageId: string): boolean {
    return this.stages === null || (this.stages?.has(stageId) ?? false);
  }

  /** Sets the sessions' environment; true when it differs from the one before. */
  setEnv(env: NodeJS.ProcessEnv): boolean {
    const changed = JSON.stringify(env) !== JSON.stringify(this.environment);
    this.environment = env;
    return changed;
  }

  /** Records why the stage's next session starts (a crash, a rejected gate, `flux resume`…). */
  setPurpose(stageId: string, purpose: SessionPurpose): void {
    this.purposes.set(stageId, purpose);
  }

  /** Takes the recorded purpose of the stage's next session, if any. */
  takePurpose(stageId: string): SessionPurpose | undefined {
    const purpose = this.purposes.get(stageId);
    this.purposes.delete(stageId);
    return purpose;
  }

  recordManualCommand(stageId: string, command: string): void {
    this.manualCommands.set(stageId, command);
  }

  manualCommandsByStage(): Record<string, string> {
    return Object.fromEntries(this.manualCommands);
  }

  /** The stage's merge waits for a human's `flux merge` (the user's files overlap it). */
  holdMerge(stageId: string): void {
    this.heldMerges.add(stageId);
  }

  releaseMerge(stageId: string): void {
    this.heldMerges.delete(stageId);
  }

  mergeHeld(stageId: string): boolean {
    return this.heldMerges.has(stageId);
  }
}
