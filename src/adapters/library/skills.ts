/**
 * The skills installed for an agent CLI, as the skill index needs them: the `name` and
 * `description` of each `skills/<name>/SKILL.md` under the CLI's config directory (where
 * `flux install` puts them, and where the CLI reads them: targets.ts). A skill without both is
 * skipped, as the CLIs skip it.
 */
import fs from "node:fs";
import path from "node:path";
import type { InstallAgent } from "../../core/install/index.ts";
import { isInstallAgent, splitFrontmatter } from "../../core/install/index.ts";
import type { Stage } from "../../core/plan/model.ts";
import type { SignalSkills } from "../../core/signal/skills.ts";
import type { SkillInfo } from "../../core/skills/index.ts";
import { recommendSkills } from "../../core/skills/index.ts";
import { defaultTarget } from "./targets.ts";

/** Only the frontmatter is needed: the head of each file is enough. */
const HEAD_BYTES = 4096;

export function skillsDir(agent: InstallAgent, env: Readonly<Record<string, string | undefined>>) {
  return path.join(defaultTarget(agent, env), "skills");
}

export function installedSkills(
  agent: InstallAgent,
  env: Readonly<Record<string, string | undefined>>,
): SkillInfo[] {
  const dir = skillsDir(agent, env);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EACCES") return [];
    throw error;
  }
  const skills: SkillInfo[] = [];
  for (const name of names.sort()) {
    // Codex keeps its own skills in `.system`; hidden folders are not skills to recommend.
    if (name.startsWith(".")) continue;
    const file = path.join(dir, name, "SKILL.md");
    const head = readHead(file);
    if (head === undefined) continue;
    const { data } = splitFrontmatter(head);
    const skillName = data?.name;
    const description = data?.description;
    if (typeof skillName !== "string" || typeof description !== "string") continue;
    skills.push({ name: skillName, description: description.trim(), file });
  }
  return skills;
}

function readHead(file: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EACCES") return undefined;
    throw error;
  }
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const n = fs.readSync(fd, buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, n).toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The installed skills that may help with a stage, for its signal: read from the directory the
 * stage's agent CLI reads (`$CLAUDE_CONFIG_DIR/skills`, `$CODEX_HOME/skills`,
 * `$XDG_CONFIG_HOME/opencode/skills`, or their defaults under HOME, from the session's
 * environment). Undefined for a `command` agent or when nothing scores.
 */
export function skillsForStage(
  stage: Pick<Stage, "agent" | "name" | "description" | "files"> & {
    acceptance: readonly { command: string }[];
  },
  env: Readonly<Record<string, string | undefined>>,
): SignalSkills | undefined {
  if (!isInstallAgent(stage.agent)) return undefined;
  const recommended = recommendSkills(installedSkills(stage.agent, env), {
    name: stage.name,
    description: stage.description,
    files: stage.files,
    acceptance: stage.acceptance.map((a) => a.command),
  });
  return recommended.length === 0 ? undefined : { agent: stage.agent, recommended };
}
