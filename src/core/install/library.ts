/**
 * The library Flux installs (assets/: agents/*.md, skills/<name>/…, CLAUDE.template.md) as
 * data, and how each agent CLI wants it laid out under its config directory. Pure: the adapter
 * reads the files, this decides the paths and contents.
 *
 * Layouts (measured for the pinned versions; docs/agents.md):
 * - claude:   agents/<name>.md, skills/<name>/…, the template as a block in CLAUDE.md.
 * - codex:    skills/<name>/… (Codex lists $CODEX_HOME/skills natively), agents as reference
 *             files under flux/agents/, and a block in AGENTS.md — loaded into every prompt, so
 *             it holds the template and a one-line index of the agents, nothing more.
 * - opencode: agents/<name>.md with the frontmatter opencode accepts, skills/<name>/…; no block.
 */
import { parseDocument, stringify } from "yaml";

export const INSTALL_AGENTS = ["claude", "codex", "opencode"] as const;
export type InstallAgent = (typeof INSTALL_AGENTS)[number];

export function isInstallAgent(value: string): value is InstallAgent {
  return (INSTALL_AGENTS as readonly string[]).includes(value);
}

export interface LibraryFile {
  /** Relative to assets/, with "/" separators: "agents/planner.md", "skills/tdd/SKILL.md". */
  path: string;
  content: string;
  executable?: boolean;
}

export interface Library {
  files: readonly LibraryFile[];
  /** assets/CLAUDE.template.md; "" when there is none. */
  template: string;
}

export interface DesiredFile {
  /** Relative to the target directory, "/" separators. */
  path: string;
  content: string;
  executable?: boolean;
}

export interface DesiredBlock {
  /** The file holding the block, relative to the target: "CLAUDE.md", "AGENTS.md". */
  file: string;
  content: string;
}

export interface Desired {
  files: DesiredFile[];
  block: DesiredBlock | undefined;
}

/** Front matter and body of a markdown file; frontmatter undefined when there is none. */
export function splitFrontmatter(text: string): {
  data: Record<string, unknown> | undefined;
  body: string;
} {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (m === null) return { data: undefined, body: text };
  const doc = parseDocument(m[1] ?? "");
  const value: unknown = doc.errors.length > 0 ? undefined : doc.toJS();
  const data =
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  return { data, body: text.slice(m[0].length) };
}

function agentName(file: LibraryFile): string {
  return file.path.slice("agents/".length).replace(/\.md$/, "");
}

function isAgent(file: LibraryFile): boolean {
  return /^agents\/[^/]+\.md$/.test(file.path);
}

function isSkillFile(file: LibraryFile): boolean {
  return file.path.startsWith("skills/") && file.path.split("/").length >= 3;
}

/**
 * An agent in opencode's terms. Measured on opencode 1.18.33: a Claude-style `tools: Read, Grep`
 * string makes opencode refuse its whole configuration ("Expected object"), and `model: opus`
 * becomes a provider named "opus". So: name, description, `mode: subagent`, and the tools the
 * agent lacks as denied permissions; the model is left to the session's.
 */
export function toOpencodeAgent(file: LibraryFile): string {
  const { data, body } = splitFrontmatter(file.content);
  const front: Record<string, unknown> = { name: agentName(file) };
  const description = data?.description;
  front.description = typeof description === "string" ? description : agentName(file);
  front.mode = "subagent";
  const tools = data?.tools;
  if (typeof tools === "string" || Array.isArray(tools)) {
    const list = (Array.isArray(tools) ? tools.map(String) : tools.split(","))
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== "");
    const permission: Record<string, string> = {};
    if (!list.includes("edit") && !list.includes("write") && !list.includes("multiedit"))
      permission.edit = "deny";
    if (!list.includes("bash")) permission.bash = "deny";
    if (!list.includes("webfetch")) permission.webfetch = "deny";
    if (Object.keys(permission).length > 0) front.permission = permission;
  }
  return `---\n${stringify(front, { lineWidth: 0 })}---\n${body}`;
}

/** One line per agent for Codex's AGENTS.md: name, when to use it, where its full text is. */
function codexAgentIndex(agents: readonly LibraryFile[], root: string): string {
  if (agents.length === 0) return "";
  const lines = agents.map((a) => {
    const description = splitFrontmatter(a.content).data?.description;
    const text = typeof description === "string" ? description.replace(/\s+/g, " ").trim() : "";
    const short = text.length > 160 ? `${text.slice(0, 157)}…` : text;
    return `- \`${agentName(a)}\`${short === "" ? "" : `: ${short}`} (${root}/flux/agents/${agentName(a)}.md)`;
  });
  return [
    "",
    "## Flux agent roles",
    "",
    "Codex has no sub-agent files: when a task fits one of these roles, read the role's file and follow it.",
    "",
    ...lines,
    "",
  ].join("\n");
}

/** What `flux install --for <agent>` puts under `root` (the agent's config directory). */
export function desiredFor(agent: InstallAgent, library: Library, root: string): Desired {
  const agents = library.files.filter(isAgent).sort((a, b) => a.path.localeCompare(b.path));
  const skills = library.files.filter(isSkillFile).sort((a, b) => a.path.localeCompare(b.path));
  const copy = (f: LibraryFile, to: string): DesiredFile => ({
    path: to,
    content: f.content,
    ...(f.executable === true ? { executable: true } : {}),
  });
  const template = library.template;
  switch (agent) {
    case "claude":
      return {
        files: [...agents.map((f) => copy(f, f.path)), ...skills.map((f) => copy(f, f.path))],
        block: template === "" ? undefined : { file: "CLAUDE.md", content: template },
      };
    case "codex": {
      const content = template + codexAgentIndex(agents, root);
      return {
        files: [
          ...agents.map((f) => copy(f, `flux/${f.path}`)),
          ...skills.map((f) => copy(f, f.path)),
        ],
        block: content.trim() === "" ? undefined : { file: "AGENTS.md", content },
      };
    }
    case "opencode":
      return {
        files: [
          ...agents.map((f) => ({ path: f.path, content: toOpencodeAgent(f) })),
          ...skills.map((f) => copy(f, f.path)),
        ],
        block: undefined,
      };
  }
}
