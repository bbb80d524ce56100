import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { installedSkills, skillsForStage } from "../../../src/adapters/library/skills.ts";
import { tempDir } from "../../kit/temp-repo.ts";

function skill(dir: string, folder: string, frontmatter: string): void {
  fs.mkdirSync(path.join(dir, folder), { recursive: true });
  fs.writeFileSync(path.join(dir, folder, "SKILL.md"), `---\n${frontmatter}\n---\n\n# Body\n`);
}

const stage = {
  agent: "claude" as const,
  name: "Container image",
  description: "A Dockerfile for the service.",
  files: ["Dockerfile"],
  acceptance: [{ command: "docker build ." }],
};

describe("installedSkills", () => {
  it("reads name and description of each skill in the CLI's directory from the environment", () => {
    const home = tempDir();
    const skills = path.join(home, "claude", "skills");
    skill(skills, "docker", "name: docker\ndescription: Dockerfiles and images.");
    skill(skills, "broken", "name: broken");
    skill(skills, ".system", "name: system\ndescription: internal");
    fs.writeFileSync(path.join(skills, "README.md"), "not a skill\n");
    expect(installedSkills("claude", { CLAUDE_CONFIG_DIR: path.join(home, "claude") })).toEqual([
      {
        name: "docker",
        description: "Dockerfiles and images.",
        file: path.join(skills, "docker", "SKILL.md"),
      },
    ]);
    skill(path.join(home, "codex", "skills"), "go", "name: golang\ndescription: Go.");
    expect(installedSkills("codex", { CODEX_HOME: path.join(home, "codex") })[0]?.name).toBe(
      "golang",
    );
    skill(path.join(home, "xdg", "opencode", "skills"), "py", "name: python\ndescription: Py.");
    expect(installedSkills("opencode", { XDG_CONFIG_HOME: path.join(home, "xdg") })[0]?.name).toBe(
      "python",
    );
  });

  it("finds none where nothing is installed", () => {
    expect(installedSkills("claude", { CLAUDE_CONFIG_DIR: path.join(tempDir(), "none") })).toEqual(
      [],
    );
  });
});

describe("skillsForStage", () => {
  it("recommends for the stage's agent, and nothing for a command agent or an empty library", () => {
    const home = tempDir();
    skill(
      path.join(home, "skills"),
      "docker",
      "name: docker\ndescription: Dockerfiles and images.",
    );
    skill(path.join(home, "skills"), "rust", "name: rust\ndescription: Cargo and crates.");
    const env = { CLAUDE_CONFIG_DIR: home };
    expect(skillsForStage(stage, env)).toMatchObject({
      agent: "claude",
      recommended: [{ name: "docker" }],
    });
    expect(skillsForStage({ ...stage, agent: "command" }, env)).toBeUndefined();
    expect(skillsForStage(stage, { CLAUDE_CONFIG_DIR: path.join(home, "x") })).toBeUndefined();
  });
});
