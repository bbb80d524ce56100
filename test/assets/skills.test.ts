/**
 * The skills library that `flux install` copies into Claude Code's skills directory
 * (assets/skills/<name>/SKILL.md). A skill is a Claude Code Agent Skill: YAML frontmatter that
 * Claude reads to decide when to load it, then a body with the same five sections in every
 * skill. These tests pin the exact set of skills (the seed's tables), their frontmatter, the
 * body structure, the links between a skill's files and a size budget.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SKILLS_DIR = path.join(ROOT, "assets", "skills");

/** The seed's skills, by category, in the order of its tables. */
const CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  Languages: ["python", "golang", "rust", "typescript"],
  "Code Quality": ["code-review", "refactoring", "testing", "documentation"],
  Development: ["api-design", "database-design", "git-workflow", "debugging"],
  Infrastructure: [
    "docker",
    "kubernetes",
    "terraform",
    "ci-cd",
    "crossplane",
    "fluxcd",
    "argocd",
    "kustomize",
    "karpenter",
    "istio",
    "grafana",
    "prometheus",
  ],
  Security: ["security-audit", "security-scan", "threat-model", "dependency-scan", "auth"],
  Reliability: [
    "error-handling",
    "logging-observability",
    "concurrency",
    "caching",
    "code-migration",
    "rate-limiting",
  ],
  Architecture: ["event-driven", "feature-flags", "background-jobs", "webhooks", "serialization"],
  Data: ["sql-optimization", "data-visualization", "data-validation", "search"],
  Documentation: ["technical-writing", "diagramming", "api-documentation", "md-tables"],
  QA: ["test-strategy", "e2e-testing", "performance-testing"],
  "AI/ML": ["prompt-engineering", "model-evaluation"],
  Frontend: ["accessibility", "i18n", "react"],
};
const EXPECTED = Object.values(CATEGORIES).flat();

/**
 * Claude Code's tool names a skill's `allowed-tools` may list: those of the pinned CLI, plus the
 * older names it still accepts (`Task` for `Agent`, `MultiEdit`, `BashOutput`, `KillShell`).
 */
const CLAUDE_TOOLS = new Set([
  "Agent",
  "AskUserQuestion",
  "Bash",
  "BashOutput",
  "Edit",
  "EnterPlanMode",
  "ExitPlanMode",
  "Glob",
  "Grep",
  "KillShell",
  "LSP",
  "MultiEdit",
  "NotebookEdit",
  "Read",
  "Skill",
  "Task",
  "TaskCreate",
  "TaskGet",
  "TaskList",
  "TaskOutput",
  "TaskStop",
  "TaskUpdate",
  "TodoWrite",
  "WebFetch",
  "WebSearch",
  "Write",
]);
const FRONTMATTER_KEYS = ["name", "description", "allowed-tools"];
/** The body sections every skill has, in this order, and no other `##` section. */
const SECTIONS = [
  "## When to use",
  "## Instructions",
  "## Best practices",
  "## Examples",
  "## Pitfalls",
];
const MAX_DESCRIPTION_CHARS = 1024;
/** Claude Code's limit on a skill's name. */
const MAX_NAME_CHARS = 64;
const MAX_FILE_BYTES = 16 * 1024;
/** The whole library: about 10 KB a skill on average. */
const MAX_TOTAL_BYTES = 576 * 1024;

interface Skill {
  name: string;
  dir: string;
  text: string;
  meta: Record<string, unknown>;
  body: string;
}

function readSkill(name: string): Skill {
  const dir = path.join(SKILLS_DIR, name);
  const text = fs.readFileSync(path.join(dir, "SKILL.md"), "utf8");
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (match === null) throw new Error(`${name}/SKILL.md: no YAML frontmatter between --- lines`);
  const meta: unknown = parse(match[1] ?? "");
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    throw new Error(`${name}/SKILL.md: the frontmatter is not a mapping`);
  }
  return { name, dir, text, meta: meta as Record<string, unknown>, body: match[2] ?? "" };
}

interface Line {
  text: string;
  /** Inside a fenced code block, the fence lines included. */
  code: boolean;
}

/**
 * The lines of `markdown`, each marked in or out of a fenced code block. A fence closes only with
 * the same character, at least as long as the opener, and no info string (CommonMark), so a
 * ```` block can show ``` blocks. Fences may be indented (in list items).
 */
function scan(markdown: string): { lines: Line[]; unclosed: boolean } {
  const lines: Line[] = [];
  let fence: { char: string; length: number } | undefined;
  for (const text of markdown.split("\n")) {
    const m = /^ *(`{3,}|~{3,})(.*)$/.exec(text);
    const marker = m?.[1] ?? "";
    const info = m?.[2] ?? "";
    if (fence === undefined) {
      if (m !== null && !(marker.startsWith("`") && info.includes("`"))) {
        fence = { char: marker.charAt(0), length: marker.length };
        lines.push({ text, code: true });
      } else {
        lines.push({ text, code: false });
      }
    } else {
      const closes =
        m !== null &&
        marker.charAt(0) === fence.char &&
        marker.length >= fence.length &&
        info.trim() === "";
      if (closes) fence = undefined;
      lines.push({ text, code: true });
    }
  }
  return { lines, unclosed: fence !== undefined };
}

/** Markdown without fenced code blocks. */
function withoutFences(markdown: string): string {
  return scan(markdown)
    .lines.filter((line) => !line.code)
    .map((line) => line.text)
    .join("\n");
}

/** Markdown without fenced code blocks and inline code, where links are not links. */
function prose(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, "");
}

/** Targets of the links in `markdown` that point into the repository (not URLs, not anchors). */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map((m) => m[1] ?? "")
    .filter((target) => !/^([a-z][a-z0-9+.-]*:|#)/i.test(target))
    .map((target) => decodeURIComponent(target.replace(/#.*$/, "")));
}

/** The `## ` headings outside code blocks, in order. */
function sections(body: string): string[] {
  return withoutFences(body)
    .split("\n")
    .filter((line) => line.startsWith("## "))
    .map((line) => line.trimEnd());
}

/** The text of each `## ` section (code blocks included), by heading. */
function sectionTexts(body: string): Map<string, string> {
  const texts = new Map<string, string>();
  let current: string | undefined;
  for (const line of scan(body).lines) {
    if (!line.code && line.text.startsWith("## ")) {
      current = line.text.trimEnd();
      texts.set(current, "");
    } else if (current !== undefined) {
      texts.set(current, `${texts.get(current) ?? ""}${line.text}\n`);
    }
  }
  return texts;
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

const skillDirs = fs.existsSync(SKILLS_DIR)
  ? fs
      .readdirSync(SKILLS_DIR, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort()
  : [];
const present = skillDirs.filter((name) => fs.existsSync(path.join(SKILLS_DIR, name, "SKILL.md")));
const skills = present.map(readSkill);

describe("the skill set", () => {
  it("is exactly the 56 skills of the seed's tables, each a folder with a SKILL.md", () => {
    expect(EXPECTED).toHaveLength(56);
    expect(new Set(EXPECTED).size).toBe(EXPECTED.length);
    expect(skillDirs.filter((name) => !present.includes(name))).toEqual([]);
    const missing = EXPECTED.filter((name) => !present.includes(name));
    const extra = present.filter((name) => !EXPECTED.includes(name));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it("has no file directly in assets/skills (each skill is a folder)", () => {
    const loose = fs
      .readdirSync(SKILLS_DIR, { withFileTypes: true })
      .filter((entry) => !entry.isDirectory())
      .map((entry) => entry.name);
    expect(loose).toEqual([]);
  });

  it("gives every skill a unique name", () => {
    const names = skills.map((s) => String(s.meta.name));
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it("stays within the total size budget", () => {
    const total = present
      .flatMap((name) =>
        filesUnder(path.join(SKILLS_DIR, name)).map((f) => path.join(SKILLS_DIR, name, f)),
      )
      .reduce((sum, file) => sum + fs.statSync(file).size, 0);
    expect(total).toBeLessThanOrEqual(MAX_TOTAL_BYTES);
  });
});

describe.each(skills.map((s) => [s.name, s] as const))("skill %s", (name, skill) => {
  it("has exactly the frontmatter keys name, description and allowed-tools", () => {
    expect(Object.keys(skill.meta).sort()).toEqual([...FRONTMATTER_KEYS].sort());
  });

  it("is named after its folder, in lowercase words joined by hyphens", () => {
    expect(skill.meta.name).toBe(name);
    expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(name.length).toBeLessThanOrEqual(MAX_NAME_CHARS);
  });

  it("has a description that says what it is and when to use it, within 1024 characters", () => {
    const description = skill.meta.description;
    expect(typeof description).toBe("string");
    const text = String(description).trim();
    expect(text.length).toBeGreaterThan(0);
    expect(String(description).length).toBeLessThanOrEqual(MAX_DESCRIPTION_CHARS);
    expect(text).toMatch(/\b(use|when)\b/i);
    expect(text).not.toMatch(/<[a-z/][^>]*>/i);
  });

  it("allows only known Claude Code tools, each once", () => {
    expect(typeof skill.meta["allowed-tools"]).toBe("string");
    const tools = String(skill.meta["allowed-tools"])
      .split(",")
      .map((t) => t.trim());
    expect(tools.length).toBeGreaterThan(0);
    for (const tool of tools) {
      const base = /^([A-Za-z]+)(\(.+\))?$/.exec(tool)?.[1] ?? tool;
      expect(CLAUDE_TOOLS, `unknown tool "${tool}"`).toContain(base);
    }
    expect(tools.filter((t, i) => tools.indexOf(t) !== i)).toEqual([]);
  });

  it("has exactly the five sections, in order, none of them empty", () => {
    expect(sections(skill.body)).toEqual(SECTIONS);
    const texts = sectionTexts(skill.body);
    for (const heading of SECTIONS) {
      expect(texts.get(heading)?.trim(), `${heading} is empty`).not.toBe("");
    }
  });

  it("shows its examples in code blocks", () => {
    const examples = sectionTexts(skill.body).get("## Examples") ?? "";
    expect(scan(examples).lines.some((line) => line.code)).toBe(true);
  });

  it("closes every code block it opens", () => {
    for (const file of filesUnder(skill.dir).filter((f) => f.endsWith(".md"))) {
      const text = fs.readFileSync(path.join(skill.dir, file), "utf8");
      expect(scan(text).unclosed, `${name}/${file} has an unclosed code block`).toBe(false);
    }
  });

  it("links only to files that exist, and every extra file is linked", () => {
    const files = filesUnder(skill.dir);
    const linked = new Set<string>();
    for (const file of files.filter((f) => f.endsWith(".md"))) {
      const from = path.dirname(path.join(skill.dir, file));
      const text = fs.readFileSync(path.join(skill.dir, file), "utf8");
      for (const target of relativeLinks(text)) {
        const resolved = path.resolve(from, target);
        expect(fs.existsSync(resolved), `${name}/${file} links to missing ${target}`).toBe(true);
        linked.add(path.relative(skill.dir, resolved));
      }
    }
    expect(files.filter((f) => f !== "SKILL.md" && !linked.has(f))).toEqual([]);
  });

  it("keeps each file within 16 KB", () => {
    for (const file of filesUnder(skill.dir)) {
      const size = fs.statSync(path.join(skill.dir, file)).size;
      expect(size, `${name}/${file} is ${size} bytes`).toBeLessThanOrEqual(MAX_FILE_BYTES);
    }
  });
});
