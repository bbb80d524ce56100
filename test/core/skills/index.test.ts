import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { splitFrontmatter } from "../../../src/core/install/index.ts";
import type { SkillInfo, StageText } from "../../../src/core/skills/index.ts";
import {
  fileKeywords,
  keywords,
  recommendSkills,
  stageKeywords,
} from "../../../src/core/skills/index.ts";

const ASSETS = path.resolve(import.meta.dirname, "../../../assets/skills");

/** The library Flux ships, as it is once installed. */
function shippedSkills(): SkillInfo[] {
  return fs.readdirSync(ASSETS).map((name) => {
    const file = path.join(ASSETS, name, "SKILL.md");
    const { data } = splitFrontmatter(fs.readFileSync(file, "utf8"));
    return { name: String(data?.name), description: String(data?.description), file };
  });
}

const stage = (over: Partial<StageText>): StageText => ({
  name: "",
  description: "",
  files: [],
  acceptance: [],
  ...over,
});

describe("the keyword index", () => {
  it("splits, lowercases, drops stopwords and folds plurals", () => {
    expect(keywords("Add the Endpoints, with tests for queries and CI/CD")).toEqual([
      "endpoint",
      "query",
      "ci",
      "cd",
    ]);
  });

  it("reads what a file's name and extension stand for", () => {
    expect(fileKeywords("src/api/auth.ts")).toEqual(
      expect.arrayContaining(["src", "api", "auth", "typescript"]),
    );
    expect(fileKeywords("Dockerfile")).toContain("docker");
    expect(fileKeywords("web/**/*.tsx")).toEqual(expect.arrayContaining(["react", "typescript"]));
    expect(fileKeywords("infra/main.tf")).toContain("terraform");
  });

  it("takes the stage's name, description, files and acceptance", () => {
    const words = stageKeywords(
      stage({
        name: "Login",
        description: "JWT",
        files: ["src/x.py"],
        acceptance: ["pytest tests/x"],
      }),
    );
    expect([...words]).toEqual(expect.arrayContaining(["login", "jwt", "python", "pytest"]));
  });
});

describe("recommendSkills over the shipped library", () => {
  const skills = shippedSkills();

  it("ranks the skills a stage is about first, at most five", () => {
    const auth = recommendSkills(
      skills,
      stage({
        name: "JWT login",
        description: "POST /login issues a JWT; middleware checks it on every API route.",
        files: ["src/api/auth.ts", "test/api/auth.test.ts"],
        acceptance: ["npm test -- test/api"],
      }),
    );
    expect(auth[0]?.name).toBe("auth");
    expect(auth.map((s) => s.name)).toContain("typescript");
    expect(auth.length).toBeLessThanOrEqual(5);

    const deploy = recommendSkills(
      skills,
      stage({
        name: "Container image",
        description: "A multi-stage Dockerfile and a Kubernetes deployment.",
        files: ["Dockerfile", "deploy/**"],
      }),
    );
    expect(deploy.slice(0, 2).map((s) => s.name)).toEqual(["docker", "kubernetes"]);

    const sql = recommendSkills(
      skills,
      stage({
        name: "Slow reports",
        description: "Speed up the report queries: add indexes, remove the N+1 on the orders page.",
        files: ["src/reports/*.py"],
      }),
    );
    expect(sql.map((s) => s.name)).toEqual(expect.arrayContaining(["sql-optimization", "python"]));
  });

  it("recommends nothing for a stage that says nothing, or nothing a skill knows", () => {
    expect(recommendSkills(skills, stage({ name: "a" }))).toEqual([]);
    expect(recommendSkills(skills, stage({ name: "Tidy", description: "Tidy it." }))).toEqual([]);
  });

  it("honours max and minScore", () => {
    const text = stage({ name: "Kubernetes deployment", files: ["Dockerfile", "main.tf"] });
    expect(recommendSkills(skills, text, { max: 2 })).toHaveLength(2);
    expect(recommendSkills(skills, text, { minScore: 1000 })).toEqual([]);
  });
});

describe("recommendSkills", () => {
  const skills: SkillInfo[] = [
    {
      name: "rust",
      description: "Idiomatic Rust: ownership, cargo, clippy.",
      file: "/s/rust/SKILL.md",
    },
    {
      name: "golang",
      description: "Go services: modules, goroutines.",
      file: "/s/golang/SKILL.md",
    },
    {
      name: "testing",
      description: "Unit tests with cargo test and go test.",
      file: "/s/testing/SKILL.md",
    },
  ];

  it("weighs a word in the skill's name over one in its description, ties by name", () => {
    const ranked = recommendSkills(
      skills,
      stage({ name: "Rust parser", acceptance: ["cargo test"] }),
    );
    expect(ranked.map((s) => [s.name, s.matched])).toEqual([["rust", ["rust", "cargo"]]]);
    expect(recommendSkills([], stage({ name: "rust" }))).toEqual([]);
  });
});
