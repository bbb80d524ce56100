/** Reads the layered configuration and rewrites the `[plan]` table of `.work/config.toml`. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "smol-toml";
import { ExitCode, FluxError } from "../core/errors.ts";
import type { Config } from "../core/config/schema.ts";
import type { ResolvedConfig } from "../core/config/resolve.ts";
import { CONFIG_TEMPLATE, checkConfig } from "../core/config/schema.ts";
import { configFromEnv, mergeConfig } from "../core/config/resolve.ts";
import { setTableKeys } from "../core/config/toml-edit.ts";
import { writeAtomic } from "./fs.ts";

export function userConfigFile(env: Readonly<Record<string, string | undefined>>): string {
  const base = env.XDG_CONFIG_HOME ?? path.join(env.HOME ?? os.homedir(), ".config");
  return path.join(base, "flux", "config.toml");
}

/** Parses one TOML layer; a missing file is an empty layer, a broken one a clear error. */
export function readConfigFile(file: string): Config {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    const e = error as { line?: number; column?: number; message: string };
    const where = e.line === undefined ? file : `${file}:${e.line}:${e.column ?? 1}`;
    throw new FluxError(
      "CONFIG_SYNTAX",
      `${where}: ${e.message.split("\n")[0] ?? "invalid TOML"}`,
      {
        hint: "fix the TOML syntax; see the comments Flux wrote in .work/config.toml",
        exitCode: ExitCode.usage,
      },
    );
  }
  const { config, issues } = checkConfig(data as Record<string, unknown>);
  const issue = issues[0];
  if (issue !== undefined) {
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
    throw new FluxError("CONFIG_INVALID", `${file}: ${issue.path}: ${issue.message}${more}`, {
      hint: "docs/configuration.md lists every setting with its type",
      exitCode: ExitCode.usage,
    });
  }
  return config;
}

export interface LoadConfigInput {
  configFile: string;
  env: Readonly<Record<string, string | undefined>>;
  flags?: Config;
}

export function loadConfig(input: LoadConfigInput): ResolvedConfig {
  return mergeConfig([
    readConfigFile(userConfigFile(input.env)),
    readConfigFile(input.configFile),
    configFromEnv(input.env),
    input.flags ?? {},
  ]);
}

/** Creates the file from the template when missing, then sets `[plan] file`. */
export function writeActivePlan(configFile: string, planFile: string): void {
  let text: string;
  try {
    text = fs.readFileSync(configFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    text = CONFIG_TEMPLATE;
  }
  writeAtomic(configFile, setTableKeys(text, "plan", { file: planFile }));
}
