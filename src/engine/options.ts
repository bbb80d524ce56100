/** What the engine is made from (engine.ts), and what a runner reports when its session ends. */
import type { SessionTelemetry } from "../adapters/agents/types.ts";
import type { SessionBackend } from "../adapters/sessions/backend.ts";
import type { ContextLayer } from "../core/context/levels.ts";
import type { HealthSettings } from "../core/health.ts";
import type { LimitSettings } from "../core/limits/policy.ts";
import type { WorkPaths } from "../store/paths.ts";
import type { Store } from "../store/store.ts";
import type { Clock } from "./clock.ts";
import type { MachineReader } from "./health.ts";

export interface EngineOptions {
  store: Store;
  paths: WorkPaths;
  backend: SessionBackend;
  /** Absolute path of the running `flux` (bin/flux.js): sessions call it as "$FLUX_BIN". */
  fluxBin: string;
  /** The environment sessions inherit (the one `flux run` was started from). */
  env: NodeJS.ProcessEnv;
  maxParallel: number;
  /** Directory with signal template overrides (config `sessions.prompt_dir`). */
  promptDir?: string | undefined;
  /** Times the Stop hook sends an interactive agent back to work (default 3). */
  stopReminders?: number | undefined;
  /** `[context]`: thresholds and window (a plan's or stage's own win key by key). */
  context?: ContextLayer | undefined;
  /** Tool calls an agent told to hand off may make before Flux does it (default 10). */
  handoffSteps?: number | undefined;
  /** Time an agent told to hand off has before Flux does it (default 5 minutes). */
  handoffTimeoutMs?: number | undefined;
  /** `[limits]`: waits after rate and usage limits, and when a fallback agent takes over. */
  limits?: LimitSettings | undefined;
  /** `[health]`: warning thresholds and the machine's floors for new sessions. */
  health?: HealthSettings | undefined;
  /** `[merge] predict_interval`: ms between predicted-conflict looks while sessions run (60 s). */
  predictIntervalMs?: number | undefined;
  /** `[merge] remote`: where `merge: pr` pushes stage branches (default "origin"). */
  remote?: string | undefined;
  /** `[merge] pr_poll`: ms between looks at open pull requests (60 s). */
  prPollMs?: number | undefined;
  /** This machine's free memory and load (default: node:os). */
  machine?: MachineReader | undefined;
  /**
   * The repository's per-user state directory (store/state-dir.ts): session specs and the run's
   * environment. Default: the one of the user running the engine.
   */
  stateDir?: string | undefined;
  clock?: Clock | undefined;
  log?: ((line: string) => void) | undefined;
  /**
   * Called once when the store cannot be trusted any more (a damaged database): the host stops
   * rather than retry a pass that cannot succeed.
   */
  onFatal?: ((error: unknown) => void) | undefined;
}

/** What a runner reports when its session ends. */
export interface ExitReport {
  code: number | null;
  signal: string | null;
  telemetry?: SessionTelemetry | undefined;
}
