/**
 * The plan as the rest of Flux sees it: every stage with its defaults applied
 * (built-in < plan `defaults:` < stage), durations in milliseconds, camelCase names.
 */
import { parseDuration } from "./duration.ts";
import type {
  AcceptanceEntry,
  AgentKind,
  Budget,
  ContextSettings,
  MergeConflictMode,
  MergeMode,
  PermissionMode,
  PlanMetadata,
  SessionMode,
  StageSettings,
  StageSpec,
  VerifyMode,
} from "./schema.ts";

export const DEFAULT_ACCEPTANCE_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_MAX_FIX_ATTEMPTS = 5;

export interface Acceptance {
  command: string;
  timeoutMs: number;
  expectExit: number;
  stdoutContains?: string | undefined;
}

export interface Stage {
  id: string;
  name: string;
  description: string;
  dependencies: string[];
  parallelGroup: string | null;
  files: string[];
  agent: AgentKind;
  command?: string | undefined;
  model?: string | undefined;
  mode: SessionMode;
  permissionMode: PermissionMode;
  maxTurns?: number | undefined;
  env: Record<string, string>;
  setup: string[];
  acceptance: Acceptance[];
  maxRetries: number;
  maxFixAttempts: number;
  timeoutMs?: number | undefined;
  verify: VerifyMode;
  merge: MergeMode;
  /** Who resolves a conflict with the base (absent in stages stored before it existed: human). */
  mergeConflict: MergeConflictMode;
  stack: boolean;
  fallbackAgents: AgentKind[];
  context?: ContextSettings | undefined;
  budget?: Budget | undefined;
  /** 1-based line of the stage's `id` in the plan file, when known. */
  line?: number | undefined;
}

export interface Plan {
  /** Path of the plan file, as given to the parser. */
  file: string;
  /** The document's first `# ` heading, or the file name. */
  title: string;
  /** Markdown before the metadata block: the overview agents are given. */
  overview: string;
  baseBranch?: string | undefined;
  groups: Record<string, { maxParallel?: number | undefined }>;
  stages: Stage[];
}

export function resolveAcceptance(entry: AcceptanceEntry): Acceptance {
  if (typeof entry === "string") {
    return { command: entry, timeoutMs: DEFAULT_ACCEPTANCE_TIMEOUT_MS, expectExit: 0 };
  }
  return {
    command: entry.command,
    timeoutMs:
      entry.timeout === undefined
        ? DEFAULT_ACCEPTANCE_TIMEOUT_MS
        : (parseDuration(entry.timeout) ?? DEFAULT_ACCEPTANCE_TIMEOUT_MS),
    expectExit: entry.expect_exit ?? 0,
    stdoutContains: entry.stdout_contains,
  };
}

/** Applies built-in and plan defaults to one stage. The spec must already be valid. */
export function resolveStage(spec: StageSpec, defaults: StageSettings = {}, line?: number): Stage {
  const pick = <K extends keyof StageSettings>(key: K): StageSettings[K] =>
    spec[key] !== undefined ? spec[key] : defaults[key];
  const agent = pick("agent") ?? "claude";
  const mode = pick("mode") ?? (agent === "claude" ? "interactive" : "headless");
  const timeout = pick("timeout");
  return {
    id: spec.id,
    name: spec.name ?? spec.id,
    description: spec.description ?? "",
    dependencies: [...new Set(spec.dependencies ?? [])],
    parallelGroup: spec.parallel_group ?? null,
    files: spec.files ?? [],
    agent,
    command: pick("command"),
    model: pick("model"),
    mode,
    permissionMode: pick("permission_mode") ?? (mode === "headless" ? "bypass" : "ask"),
    maxTurns: pick("max_turns"),
    env: { ...defaults.env, ...spec.env },
    setup: pick("setup") ?? [],
    acceptance: (pick("acceptance") ?? []).map(resolveAcceptance),
    maxRetries: pick("max_retries") ?? DEFAULT_MAX_RETRIES,
    maxFixAttempts: pick("max_fix_attempts") ?? DEFAULT_MAX_FIX_ATTEMPTS,
    timeoutMs: timeout === undefined ? undefined : parseDuration(timeout),
    verify: pick("verify") ?? "auto",
    merge: pick("merge") ?? "auto",
    mergeConflict: pick("merge_conflict") ?? "human",
    stack: pick("stack") ?? false,
    fallbackAgents: pick("fallback_agents") ?? [],
    // Key by key, like env: a stage that sets `warn` keeps the defaults' `handoff`.
    context:
      spec.context === undefined || defaults.context === undefined
        ? pick("context")
        : { ...defaults.context, ...spec.context },
    budget: pick("budget"),
    line,
  };
}

export function resolvePlan(
  metadata: PlanMetadata,
  info: { file: string; title: string; overview: string; lines?: Map<string, number> },
): Plan {
  const groups: Plan["groups"] = {};
  for (const [name, group] of Object.entries(metadata.groups ?? {})) {
    groups[name] = { maxParallel: group.max_parallel };
  }
  return {
    file: info.file,
    title: info.title,
    overview: info.overview,
    baseBranch: metadata.base_branch,
    groups,
    stages: metadata.stages.map((s) => resolveStage(s, metadata.defaults, info.lines?.get(s.id))),
  };
}
