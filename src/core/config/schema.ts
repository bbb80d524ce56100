/**
 * Flux's settings, one schema for every layer (STYLE.md: defaults < user file <
 * `.work/config.toml` < environment < flags). Settings whose behaviour a later release brings
 * are added to this schema with that release.
 */
import { z } from "zod";

export const PlanTable = z
  .object({
    /** The active plan, relative to the repository root. Flux rewrites this table only. */
    file: z.string().min(1).optional(),
  })
  .strict();

export const RunTable = z
  .object({
    /** Sessions at once (default 4). */
    max_parallel: z.number().int().positive().optional(),
  })
  .strict();

export const UiTable = z
  .object({
    /** Colour in terminal output: auto follows the terminal and NO_COLOR (default auto). */
    color: z.enum(["auto", "always", "never"]).optional(),
  })
  .strict();

export const Config = z
  .object({
    plan: PlanTable.optional(),
    run: RunTable.optional(),
    ui: UiTable.optional(),
  })
  .strict();
export type Config = z.infer<typeof Config>;

export interface ResolvedConfig {
  planFile: string | undefined;
  maxParallel: number;
  color: "auto" | "always" | "never";
}

export const DEFAULT_CONFIG: ResolvedConfig = {
  planFile: undefined,
  maxParallel: 4,
  color: "auto",
};

/** Later layers win key by key. */
export function mergeConfig(layers: readonly Config[]): ResolvedConfig {
  const out = { ...DEFAULT_CONFIG };
  for (const layer of layers) {
    if (layer.plan?.file !== undefined) out.planFile = layer.plan.file;
    if (layer.run?.max_parallel !== undefined) out.maxParallel = layer.run.max_parallel;
    if (layer.ui?.color !== undefined) out.color = layer.ui.color;
  }
  return out;
}

/** Settings from FLUX_* environment variables. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): Config {
  const config: Config = {};
  const parallel = env.FLUX_MAX_PARALLEL;
  if (parallel !== undefined && /^\d+$/.test(parallel) && Number(parallel) > 0) {
    config.run = { max_parallel: Number(parallel) };
  }
  const color = env.FLUX_COLOR;
  if (color === "auto" || color === "always" || color === "never") config.ui = { color };
  return config;
}

export const CONFIG_TEMPLATE = `# Flux settings for this repository.
# Flux reads this file and only ever rewrites the [plan] table; your keys and comments stay.
# Layering: built-in defaults < ~/.config/flux/config.toml < this file < FLUX_* variables < flags.

[plan]
file = ""

# [run]
# max_parallel = 4        # sessions at once (FLUX_MAX_PARALLEL, --max-parallel)

# [ui]
# color = "auto"          # auto | always | never (NO_COLOR is honoured with auto)
`;
