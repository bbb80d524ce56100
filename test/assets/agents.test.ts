/**
 * The agents and the orchestration template that `flux install` ships (assets/agents/*.md,
 * assets/CLAUDE.template.md). An agent file is a Claude Code subagent: YAML frontmatter that
 * Claude reads to decide when to delegate, then the system prompt. These tests pin the exact set
 * of agents, their frontmatter, a common body structure and the Flux vocabulary they teach.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = path.resolve(import.meta.dirname, "../..");
const AGENTS_DIR = path.join(ROOT, "assets", "agents");
const TEMPLATE = path.join(ROOT, "assets", "CLAUDE.template.md");

/** The eight disciplines of the seed, each with a senior (opus) and a standard (sonnet) agent. */
const DISCIPLINES = [
  "software-engineer",
  "ml-engineer",
  "infra-engineer",
  "product-designer",
  "data-analyst",
  "qa-engineer",
  "data-engineer",
  "technical-writer",
] as const;

/** Every agent Flux ships, with its model. */
const EXPECTED_MODELS: Readonly<Record<string, string>> = Object.fromEntries<string>([
  ...DISCIPLINES.flatMap((d): [string, string][] => [
    [`senior-${d}`, "opus"],
    [d, "sonnet"],
  ]),
  ["tech-lead", "opus"],
  ["security-engineer", "opus"],
  ["planner", "opus"],
]);

/** Claude Code's tool names (as in the pinned 2.1.197) that a subagent's `tools` may list. */
const CLAUDE_TOOLS = new Set([
  "Agent",
  "AskUserQuestion",
  "Bash",
  "Edit",
  "EnterPlanMode",
  "ExitPlanMode",
  "Glob",
  "Grep",
  "LSP",
  "NotebookEdit",
  "Read",
  "Skill",
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
const MODELS = ["opus", "sonnet", "haiku", "inherit"];
const FRONTMATTER_KEYS = ["name", "description", "tools", "model"];
/** The body sections every agent has, in this order. */
const SECTIONS = [
  "## Role",
  "## How you work",
  "## Deliverables",
  "## Working in Flux",
  "## When to hand back",
];
/** The sections of a handoff (`flux handoff create`), in this order. */
const HANDOFF_SECTIONS = [
  "## Summary",
  "## Completed work",
  "## Remaining tasks",
  "## Key decisions",
  "## Open questions",
];
/** Subcommands of `flux` the assets may name: the CLI's, plus those of the brief still to come. */
const FLUX_COMMANDS = new Set([
  "init",
  "status",
  "run",
  "stage",
  "verify",
  "merge",
  "resume",
  "attach",
  "sessions",
  "worktree",
  "daemon",
  "graph",
  "validate",
  "doctor",
  "plan",
  "completion",
  "demo",
  "handoff",
  "install",
  "job",
  "mcp",
  "ui",
  "pause",
  "drain",
  "logs",
]);
/** The seed's 56 skills, by name: the only skills an agent may tell Claude to load. */
const SKILLS = new Set([
  ...["python", "golang", "rust", "typescript"],
  ...["code-review", "refactoring", "testing", "documentation"],
  ...["api-design", "database-design", "git-workflow", "debugging"],
  ...["docker", "kubernetes", "terraform", "ci-cd", "crossplane", "fluxcd", "argocd"],
  ...["kustomize", "karpenter", "istio", "grafana", "prometheus"],
  ...["security-audit", "security-scan", "threat-model", "dependency-scan", "auth"],
  ...["error-handling", "logging-observability", "concurrency", "caching", "code-migration"],
  ...["rate-limiting", "event-driven", "feature-flags", "background-jobs", "webhooks"],
  ...["serialization", "sql-optimization", "data-visualization", "data-validation", "search"],
  ...["technical-writing", "diagramming", "api-documentation", "md-tables"],
  ...["test-strategy", "e2e-testing", "performance-testing"],
  ...["prompt-engineering", "model-evaluation", "accessibility", "i18n", "react"],
]);
const SKILLS_LINE = "Load the skills that fit with the Skill tool — ";
const SKILLS_DIR = path.join(ROOT, "assets", "skills");
const MAX_AGENT_BYTES = 12 * 1024;
const MAX_TEMPLATE_BYTES = 12 * 1024;

interface AgentFile {
  file: string;
  text: string;
  meta: Record<string, unknown>;
  body: string;
}

function readAgent(file: string): AgentFile {
  const text = fs.readFileSync(path.join(AGENTS_DIR, file), "utf8");
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (match === null) throw new Error(`${file}: no YAML frontmatter between --- lines`);
  const meta: unknown = parse(match[1] ?? "");
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    throw new Error(`${file}: the frontmatter is not a mapping`);
  }
  return { file, text, meta: meta as Record<string, unknown>, body: match[2] ?? "" };
}

function tools(agent: AgentFile): string[] {
  return String(agent.meta.tools)
    .split(",")
    .map((t) => t.trim());
}

/** The skills an agent tells Claude to load (the backticked names on its skills line). */
function skillsNamed(agent: AgentFile): string[] {
  const line = agent.body.split("\n").find((l) => l.startsWith(SKILLS_LINE)) ?? "";
  return [...line.matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1] ?? "");
}

/** Markdown without fenced code blocks and inline code, where links are not links. */
function prose(markdown: string): string {
  return markdown
    .replace(/^ *(```|~~~)[^\n]*\n[\s\S]*?^ *\1[^\n]*$/gm, "")
    .replace(/`[^`\n]*`/g, "");
}

/** Targets of the links in `markdown` that point into the repository (not URLs, not anchors). */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map((m) => m[1] ?? "")
    .filter((target) => !/^([a-z][a-z0-9+.-]*:|#)/i.test(target))
    .map((target) => decodeURIComponent(target.replace(/#.*$/, "")));
}

/** The `flux` subcommands named in code (inline or fenced), e.g. `flux stage complete` → stage. */
function fluxCommands(markdown: string): string[] {
  const code = [
    ...[...markdown.matchAll(/^ *(```|~~~)[^\n]*\n([\s\S]*?)^ *\1/gm)].map((m) => m[2] ?? ""),
    ...[...markdown.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? ""),
  ];
  return code.flatMap((c) =>
    [...c.matchAll(/(?:^|[\s"'(|;&])(?:flux|"\$FLUX_BIN") ([a-z][a-z-]*)/g)].map((m) => m[1] ?? ""),
  );
}

const agentFiles = fs
  .readdirSync(AGENTS_DIR)
  .filter((f) => f.endsWith(".md"))
  .sort();
const agents = agentFiles.map(readAgent);

describe("the agent set", () => {
  it("is exactly the 18 agents of the seed's hierarchy and the planner", () => {
    expect(Object.keys(EXPECTED_MODELS)).toHaveLength(19);
    expect(agentFiles).toHaveLength(19);
    expect(agentFiles.map((f) => f.replace(/\.md$/, ""))).toEqual(
      Object.keys(EXPECTED_MODELS).sort(),
    );
  });

  it("holds nothing but agent files", () => {
    expect(fs.readdirSync(AGENTS_DIR).sort()).toEqual(agentFiles);
  });

  it("names every one of the seed's 56 skills, across its agents", () => {
    expect(SKILLS.size).toBe(56);
    expect(new Set(agents.flatMap(skillsNamed))).toEqual(SKILLS);
  });

  it("has unique names, each equal to its file name", () => {
    const names = agents.map((a) => a.meta.name);
    expect(new Set(names).size).toBe(19);
    for (const a of agents) expect(`${String(a.meta.name)}.md`, a.file).toBe(a.file);
  });
});

describe.each(agents.map((a) => [a.file, a] as const))("%s", (file, agent) => {
  const name = file.replace(/\.md$/, "");

  it("has the frontmatter fields Claude Code reads, and no others", () => {
    expect(Object.keys(agent.meta).sort()).toEqual([...FRONTMATTER_KEYS].sort());
    for (const key of FRONTMATTER_KEYS) expect(typeof agent.meta[key], key).toBe("string");
  });

  it("says when to use it, first", () => {
    const description = String(agent.meta.description);
    expect(description).toMatch(/^Use (when|for) /);
    expect(description.length).toBeGreaterThanOrEqual(80);
    expect(description.length).toBeLessThanOrEqual(400);
  });

  it("runs on the model of its tier", () => {
    expect(MODELS).toContain(agent.meta.model);
    expect(agent.meta.model).toBe(EXPECTED_MODELS[name]);
  });

  it("lists known tools, once each, with what every agent needs and nothing it must not have", () => {
    const list = tools(agent);
    for (const tool of list) expect(CLAUDE_TOOLS, tool).toContain(tool);
    expect(new Set(list).size).toBe(list.length);
    // Reading the code and running commands (commits, `flux stage complete`) are needed by all.
    for (const tool of ["Read", "Grep", "Glob", "Bash"]) expect(list).toContain(tool);
    // A subagent cannot start subagents, and none needs to ask through a dialog nobody answers.
    expect(list).not.toContain("Agent");
    expect(list).not.toContain("AskUserQuestion");
  });

  it("has the common sections, in order, each with content", () => {
    const headings = [...prose(agent.body).matchAll(/^## .+$/gm)].map((m) => m[0]);
    expect(headings).toEqual(SECTIONS);
    for (const section of agent.body.split(/^## .+$/m).slice(1)) {
      expect(section.trim().length).toBeGreaterThan(100);
    }
  });

  it("teaches how to work in Flux", () => {
    const flux = agent.body.slice(agent.body.indexOf("## Working in Flux"));
    expect(flux).toContain("`FLUX_STAGE_ID`");
    expect(flux).toContain("`flux stage complete`");
    expect(flux).toContain('`"$FLUX_BIN" stage complete`');
    expect(flux).toContain("flux handoff create --stdin");
    expect(flux).toContain("75 %");
    expect(flux).toContain("`.work/`");
    const handoff = HANDOFF_SECTIONS.map((s) => flux.indexOf(`\n  ${s}\n`));
    expect(handoff.every((i) => i > 0)).toBe(true);
    expect([...handoff].sort((a, b) => a - b)).toEqual(handoff);
  });

  it("names only flux commands that exist", () => {
    for (const command of fluxCommands(agent.text))
      expect(FLUX_COMMANDS, command).toContain(command);
  });

  it("names only skills of the library", () => {
    const skills = skillsNamed(agent);
    if (name === "planner") {
      expect(skills).toEqual([]);
      return;
    }
    expect(skills.length).toBeGreaterThanOrEqual(3);
    for (const skill of skills) expect(SKILLS, skill).toContain(skill);
  });

  it.skipIf(!fs.existsSync(SKILLS_DIR))("names only skills that assets/skills ships", () => {
    for (const skill of skillsNamed(agent)) {
      expect(fs.existsSync(path.join(SKILLS_DIR, skill, "SKILL.md")), skill).toBe(true);
    }
  });

  it("links only to files that exist", () => {
    for (const link of relativeLinks(agent.body)) {
      expect(fs.existsSync(path.resolve(AGENTS_DIR, link)), link).toBe(true);
    }
  });

  it("stays within its size budget", () => {
    expect(Buffer.byteLength(agent.text)).toBeLessThanOrEqual(MAX_AGENT_BYTES);
    const lines = agent.text.split("\n").length;
    expect(lines).toBeGreaterThanOrEqual(50);
    expect(lines).toBeLessThanOrEqual(160);
  });
});

describe("tiers", () => {
  const byName = new Map(agents.map((a) => [String(a.meta.name), a]));

  it.each(DISCIPLINES)("senior-%s and its standard agent point at each other", (standard) => {
    const senior = `senior-${standard}`;
    expect(String(byName.get(senior)?.meta.description)).toContain(standard);
    expect(String(byName.get(standard)?.meta.description)).toContain(senior);
  });

  it("gives the reviewer and the planner no Edit", () => {
    expect(tools(byName.get("security-engineer")!)).not.toContain("Edit");
    expect(tools(byName.get("planner")!)).not.toContain("Edit");
  });
});

describe("the planner", () => {
  const planner = fs.readFileSync(path.join(AGENTS_DIR, "planner.md"), "utf8");

  it("states the plan format as Flux parses it", () => {
    expect(planner).toContain("<!-- FLUX METADATA -->");
    expect(planner).toContain("<!-- END FLUX METADATA -->");
    expect(planner).toContain("`^[a-z0-9][a-z0-9-]{0,62}$`");
    for (const word of ["list", "all", "clean", "kill", "show", "edit", "new", "run"]) {
      expect(planner).toContain(`\`${word}\``);
    }
    for (const word of ["complete", "block", "reset", "skip", "cancel"]) {
      expect(planner).toContain(`\`${word}\``);
    }
    for (const field of ["dependencies", "acceptance", "files", "verify", "merge", "setup"]) {
      expect(planner).toContain(`\`${field}\``);
    }
    expect(planner).toContain("flux plan draft");
  });

  it("shows an example block that parses into stages with the documented fields", () => {
    const yamlBlock = /^```yaml\n([\s\S]*?)^```/m.exec(planner)?.[1];
    const doc = parse(yamlBlock ?? "") as {
      flux: { version: number; stages: { id: string; dependencies?: string[] }[] };
    };
    expect(doc.flux.version).toBe(1);
    const ids = doc.flux.stages.map((s) => s.id);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9][a-z0-9-]{0,62}$/);
    for (const stage of doc.flux.stages) {
      for (const dep of stage.dependencies ?? []) expect(ids).toContain(dep);
    }
  });
});

describe("the orchestration template", () => {
  const template = fs.readFileSync(TEMPLATE, "utf8");

  it("is content for the markers flux install adds, under one heading", () => {
    expect(template.startsWith("# Flux orchestration\n")).toBe(true);
    expect(template.match(/^# /gm)).toHaveLength(1);
    expect(template).not.toContain("<!--");
  });

  it("teaches the signal principle, verified completion and the handoff at 75 %", () => {
    expect(template).toContain("`FLUX_STAGE_ID`");
    expect(template).toContain("`flux stage complete`");
    expect(template).toContain("flux handoff create");
    expect(template).toContain("75 %");
    for (const s of HANDOFF_SECTIONS) expect(template).toContain(s);
  });

  it("has its sections", () => {
    const headings = [...prose(template).matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([
      "The signal principle",
      "Delegating to sub-agents",
      "Parallel or sequential",
      "Briefing a sub-agent",
      "Context and handoffs",
      "Development standards",
      "Dependencies and package managers",
      "Progress tracking",
    ]);
  });

  it("names every agent Flux ships", () => {
    for (const name of Object.keys(EXPECTED_MODELS)) expect(template).toContain(`\`${name}\``);
  });

  it("names only flux commands that exist, and links only to files that exist", () => {
    for (const command of fluxCommands(template)) expect(FLUX_COMMANDS, command).toContain(command);
    for (const link of relativeLinks(template)) {
      expect(fs.existsSync(path.resolve(path.dirname(TEMPLATE), link)), link).toBe(true);
    }
  });

  it("stays within its size budget", () => {
    expect(Buffer.byteLength(template)).toBeLessThanOrEqual(MAX_TEMPLATE_BYTES);
  });
});

describe("the checks themselves", () => {
  it("find relative links outside code, and leave URLs and anchors alone", () => {
    const md = "See [a](../missing.md) and [b](https://x.y) [c](#top) `[d](e.md)` [f](g.md#h)";
    expect(relativeLinks(md)).toEqual(["../missing.md", "g.md"]);
  });

  it("find flux subcommands in inline and fenced code", () => {
    const md =
      'Run `flux stage complete`.\n\n```sh\n"$FLUX_BIN" handoff create\nflux finish\n```\n';
    expect(fluxCommands(md).sort()).toEqual(["finish", "handoff", "stage"]);
  });
});
