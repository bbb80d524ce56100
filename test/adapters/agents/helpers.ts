/** Stages, launch inputs and fixtures for the agent adapter tests. */
import fs from "node:fs";
import path from "node:path";
import { resolveStage } from "../../../src/core/plan/model.ts";
import type { Stage } from "../../../src/core/plan/model.ts";
import type { StageSpec } from "../../../src/core/plan/schema.ts";
import type { LaunchInput, OutputParser } from "../../../src/adapters/agents/index.ts";

const FIXTURES = path.join(import.meta.dirname, "fixtures");

/** A resolved headless stage (plan defaults applied, as the engine sees it). */
export function stage(spec: Partial<StageSpec> = {}): Stage {
  return resolveStage({ id: "s1", mode: "headless", ...spec });
}

export function launchInput(over: Partial<LaunchInput> & { stage: Stage }): LaunchInput {
  return {
    promptFile: "/repo/.work/signals/ses_1.md",
    sessionDir: "/repo/.work/sessions/ses_1",
    worktree: "/repo/.worktrees/s1",
    sessionId: "ses_1",
    env: { PATH: "/usr/bin:/bin", FLUX_WORK_DIR: "/repo/.work", FLUX_STAGE_ID: "s1" },
    isRoot: false,
    apiMaxRetries: 2,
    ...over,
  };
}

/** The lines of a fixture: real output of the CLIs (fixtures/README.md says where from). */
export function fixture(name: string): string[] {
  return fs.readFileSync(path.join(FIXTURES, name), "utf8").split("\n");
}

export function feed(parser: OutputParser, lines: string[]): OutputParser {
  for (const line of lines) parser.push(line);
  return parser;
}

export const line = (event: Record<string, unknown>): string => JSON.stringify(event);
