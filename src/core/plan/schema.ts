/**
 * The plan's metadata schema: one zod schema per shape, the type next to it with the same name.
 * It validates the plan file's YAML and generates schema/plan.schema.json (`flux plan schema`).
 * Unknown keys are not errors here: validation reports them as warnings with suggestions.
 */
import { z } from "zod";
import { MAX_DURATION_TEXT, parseDuration } from "./duration.ts";

/** Words the CLI uses as subcommands: a stage with such an id could not be named on the command line. */
export const RESERVED_STAGE_IDS = [
  "list",
  "all",
  "clean",
  "kill",
  "show",
  "edit",
  "new",
  "run",
  "complete",
  "block",
  "reset",
  "skip",
  "cancel",
] as const;

export const AgentKind = z.enum(["claude", "codex", "opencode", "command"]);
export type AgentKind = z.infer<typeof AgentKind>;

export const SessionMode = z.enum(["interactive", "headless"]);
export type SessionMode = z.infer<typeof SessionMode>;

/** Flux's own words, mapped per agent (DESIGN.md §3). */
export const PermissionMode = z.enum(["bypass", "edits", "ask"]);
export type PermissionMode = z.infer<typeof PermissionMode>;

export const VerifyMode = z.enum(["auto", "human"]);
export type VerifyMode = z.infer<typeof VerifyMode>;

export const MergeMode = z.enum(["auto", "manual", "direct", "pr"]);
export type MergeMode = z.infer<typeof MergeMode>;

/** Who resolves a conflict between a finished stage and the base branch. */
export const MergeConflictMode = z.enum(["human", "agent"]);
export type MergeConflictMode = z.infer<typeof MergeConflictMode>;

export const Duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, {
    message: `not a duration: write a number with a unit, e.g. 90s, 30m, 2h, 1h30m (at most ${MAX_DURATION_TEXT})`,
  })
  .describe("A duration: 90s, 30m, 2h, 1h30m");
export type Duration = z.infer<typeof Duration>;

export const AcceptanceCheck = z.object({
  command: z.string().min(1).describe("Shell command, run with sh -c in the stage's worktree"),
  timeout: Duration.optional().describe("Time limit for this command (default 10m)"),
  expect_exit: z
    .number()
    .int()
    .min(0)
    .max(255)
    .optional()
    .describe("Expected exit code (default 0)"),
  stdout_contains: z.string().optional().describe("Text the command's output must contain"),
});
export type AcceptanceCheck = z.infer<typeof AcceptanceCheck>;

export const AcceptanceEntry = z.union([z.string().min(1), AcceptanceCheck]);
export type AcceptanceEntry = z.infer<typeof AcceptanceEntry>;

const percent = z.number().min(1).max(100);

export const ContextSettings = z.object({
  window: z.number().int().positive().optional().describe("Context window in tokens"),
  warn: percent.optional().describe("Percent at which the agent is warned (default 60)"),
  handoff: percent.optional().describe("Percent at which the agent hands off (default 75)"),
  hard: percent.optional().describe("Percent at which Flux hands off itself (default 90)"),
});
export type ContextSettings = z.infer<typeof ContextSettings>;

export const Budget = z.object({
  usd: z.number().positive().optional().describe("Spending cap in US dollars"),
  tokens: z.number().int().positive().optional().describe("Token cap"),
});
export type Budget = z.infer<typeof Budget>;

/** Every stage setting that a plan's `defaults:` block may also set. */
export const StageSettings = z.object({
  agent: AgentKind.optional().describe("Which agent runs the stage (default claude)"),
  command: z
    .string()
    .min(1)
    .optional()
    .describe("Command line of a `command` agent; {prompt_file} and {signal} are replaced"),
  model: z.string().min(1).optional(),
  mode: SessionMode.optional().describe("Default interactive for claude, headless otherwise"),
  permission_mode: PermissionMode.optional().describe(
    "Default bypass for headless sessions, ask for interactive ones",
  ),
  max_turns: z.number().int().positive().optional(),
  env: z.record(z.string(), z.string()).optional(),
  setup: z.array(z.string().min(1)).optional().describe("Run once in each new worktree"),
  acceptance: z.array(AcceptanceEntry).optional(),
  max_retries: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("Restarts after a crash or timeout (default 2)"),
  max_fix_attempts: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Failed acceptance runs before the stage is blocked (default 5)"),
  timeout: Duration.optional().describe("Wall-clock limit per session"),
  verify: VerifyMode.optional().describe("human: stop at a gate before merging (default auto)"),
  merge: MergeMode.optional().describe("auto | manual | direct | pr (default auto)"),
  merge_conflict: MergeConflictMode.optional().describe(
    "agent: a session merges the base in and resolves a conflict; human: the stage blocks (default human)",
  ),
  stack: z
    .boolean()
    .optional()
    .describe(
      "Start from the one dependency's branch before it merges; restacked when it moves, retargeted onto the base when it merges",
    ),
  fallback_agents: z
    .array(AgentKind)
    .optional()
    .describe(
      "Agents that continue from the handoff when the agent is usage-limited or keeps failing",
    ),
  context: ContextSettings.optional(),
  budget: Budget.optional(),
});
export type StageSettings = z.infer<typeof StageSettings>;

export const StageSpec = StageSettings.extend({
  id: z.string().describe("Unique id: lowercase letters, digits and dashes; becomes a branch name"),
  name: z.string().optional(),
  description: z.string().optional(),
  dependencies: z.array(z.string()).optional(),
  parallel_group: z.string().nullable().optional(),
  files: z.array(z.string()).optional().describe("Globs of the files this stage changes"),
});
export type StageSpec = z.infer<typeof StageSpec>;

export const GroupSettings = z.object({
  max_parallel: z.number().int().positive().optional(),
});
export type GroupSettings = z.infer<typeof GroupSettings>;

export const PlanMetadata = z.object({
  version: z.literal(1),
  base_branch: z.string().min(1).optional().describe("Default: the branch checked out at init"),
  defaults: StageSettings.optional(),
  groups: z.record(z.string(), GroupSettings).optional(),
  stages: z.array(StageSpec),
});
export type PlanMetadata = z.infer<typeof PlanMetadata>;

export const PlanDocument = z.object({ flux: PlanMetadata });
export type PlanDocument = z.infer<typeof PlanDocument>;

/** Fields that are parsed and stored now but whose behaviour a later release brings. */
export const INACTIVE_FIELDS = ["budget"] as const;
