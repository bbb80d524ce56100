/**
 * The settings as Flux uses them: the layers (schema.ts) folded over the defaults, later layers
 * winning key by key (defaults < user file < `.work/config.toml` < environment < flags), and the
 * FLUX_* variables read as a layer.
 */
import { DEFAULT_HEALTH, parseBytes } from "../health.ts";
import type { HealthSettings } from "../health.ts";
import { DEFAULT_LIMITS } from "../limits/policy.ts";
import type { LimitSettings } from "../limits/policy.ts";
import { parseDuration } from "../plan/duration.ts";
import type { Config } from "./schema.ts";

export interface ResolvedConfig {
  planFile: string | undefined;
  maxParallel: number;
  color: "auto" | "always" | "never";
  idleTimeoutMs: number;
  backend: "auto" | "tmux" | "process";
  promptDir: string | undefined;
  stopReminders: number;
  /** `[context]` thresholds and window, before a plan's or stage's own. */
  context: { window?: number; warn?: number; handoff?: number; hard?: number };
  handoffSteps: number;
  handoffTimeoutMs: number;
  /** `[limits]`: waits after rate and usage limits, and when a fallback agent takes over. */
  limits: LimitSettings;
  /** `[health]`: warnings on live sessions and the machine's floors for new sessions. */
  health: HealthSettings;
  /** `[notify]`: the command run when a human is needed (none when undefined), its timeout. */
  notify: { command: string | undefined; timeoutMs: number };
  /** `[merge] predict_interval`: ms between predicted-conflict looks while sessions run. */
  predictIntervalMs: number;
  /** `[merge] remote`: where `merge: pr` pushes stage branches. */
  remote: string;
  /** `[merge] pr_poll`: ms between looks at open pull requests. */
  prPollMs: number;
  /** `[backup]`: the daemon's online backups (0 ms: none) and how many are kept. */
  backup: { intervalMs: number; keep: number };
}

export const DEFAULT_CONFIG: ResolvedConfig = {
  planFile: undefined,
  maxParallel: 4,
  color: "auto",
  idleTimeoutMs: 10 * 60_000,
  backend: "auto",
  promptDir: undefined,
  stopReminders: 3,
  context: {},
  handoffSteps: 10,
  handoffTimeoutMs: 5 * 60_000,
  limits: DEFAULT_LIMITS,
  health: DEFAULT_HEALTH,
  notify: { command: undefined, timeoutMs: 30_000 },
  predictIntervalMs: 60_000,
  remote: "origin",
  prPollMs: 60_000,
  backup: { intervalMs: 60 * 60_000, keep: 24 },
};

/** Later layers win key by key. */
export function mergeConfig(layers: readonly Config[]): ResolvedConfig {
  const out = { ...DEFAULT_CONFIG };
  for (const layer of layers) {
    if (layer.plan?.file !== undefined) out.planFile = layer.plan.file;
    if (layer.run?.max_parallel !== undefined) out.maxParallel = layer.run.max_parallel;
    if (layer.ui?.color !== undefined) out.color = layer.ui.color;
    const idle = layer.daemon?.idle_timeout;
    if (idle !== undefined) out.idleTimeoutMs = parseDuration(idle) ?? out.idleTimeoutMs;
    if (layer.sessions?.backend !== undefined) out.backend = layer.sessions.backend;
    if (layer.sessions?.prompt_dir !== undefined) out.promptDir = layer.sessions.prompt_dir;
    const reminders = layer.sessions?.stop_reminders;
    if (reminders !== undefined) out.stopReminders = reminders;
    const ctx = layer.context;
    if (ctx !== undefined) {
      const { handoff_steps: steps, handoff_timeout: timeout, ...thresholds } = ctx;
      out.context = { ...out.context, ...thresholds };
      if (steps !== undefined) out.handoffSteps = steps;
      if (timeout !== undefined)
        out.handoffTimeoutMs = parseDuration(timeout) ?? out.handoffTimeoutMs;
    }
    const limits = layer.limits;
    if (limits !== undefined) {
      const ms = (value: string | undefined, fallback: number) =>
        value === undefined ? fallback : (parseDuration(value) ?? fallback);
      out.limits = {
        backoffMs: ms(limits.backoff, out.limits.backoffMs),
        backoffMaxMs: ms(limits.backoff_max, out.limits.backoffMaxMs),
        usageWaitMs: ms(limits.usage_wait, out.limits.usageWaitMs),
        fallbackAfter: limits.fallback_after ?? out.limits.fallbackAfter,
      };
    }
    if (layer.health !== undefined) out.health = mergeHealth(out.health, layer.health);
    const notify = layer.notify;
    if (notify !== undefined) {
      const command = notify.command ?? out.notify.command;
      const timeout = notify.timeout === undefined ? undefined : parseDuration(notify.timeout);
      out.notify = {
        command: command === "" ? undefined : command,
        timeoutMs: timeout ?? out.notify.timeoutMs,
      };
    }
    const predict = layer.merge?.predict_interval;
    if (predict !== undefined)
      out.predictIntervalMs = parseDuration(predict) ?? out.predictIntervalMs;
    if (layer.merge?.remote !== undefined) out.remote = layer.merge.remote;
    const poll = layer.merge?.pr_poll;
    if (poll !== undefined) out.prPollMs = parseDuration(poll) ?? out.prPollMs;
    const backup = layer.backup;
    if (backup !== undefined) {
      const interval = backup.interval === undefined ? undefined : parseDuration(backup.interval);
      out.backup = {
        intervalMs: interval ?? out.backup.intervalMs,
        keep: backup.keep ?? out.backup.keep,
      };
    }
  }
  return out;
}

function mergeHealth(base: HealthSettings, layer: NonNullable<Config["health"]>): HealthSettings {
  const ms = (value: string | undefined, fallback: number) =>
    value === undefined ? fallback : (parseDuration(value) ?? fallback);
  const floor = layer.min_free_memory === undefined ? undefined : parseBytes(layer.min_free_memory);
  return {
    stalledMs: ms(layer.stalled, base.stalledMs),
    longRunningMs: ms(layer.long_running, base.longRunningMs),
    manyTurnsPercent: layer.many_turns ?? base.manyTurnsPercent,
    minFreeMemory: floor === undefined ? base.minFreeMemory : floor === 0 ? undefined : floor,
    maxLoad: layer.max_load ?? base.maxLoad,
    heartbeatMs: ms(layer.heartbeat, base.heartbeatMs),
  };
}

/** Settings from FLUX_* environment variables; malformed values are ignored. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): Config {
  const config: Config = {};
  const parallel = env.FLUX_MAX_PARALLEL;
  if (parallel !== undefined && /^\d+$/.test(parallel) && Number(parallel) > 0) {
    config.run = { max_parallel: Number(parallel) };
  }
  const color = env.FLUX_COLOR;
  if (color === "auto" || color === "always" || color === "never") config.ui = { color };
  const idle = env.FLUX_IDLE_TIMEOUT;
  if (idle !== undefined && parseDuration(idle) !== undefined)
    config.daemon = { idle_timeout: idle };
  const backend = env.FLUX_SESSION_BACKEND;
  if (backend === "auto" || backend === "tmux" || backend === "process")
    config.sessions = { backend };
  return config;
}
