/**
 * The skills a signal recommends, and how the agent at hand loads one. Rendered in the
 * signal's volatile tail (templates/signal.md puts it last), so the stable prefix prompt
 * caches reuse stays byte-identical across a stage's sessions.
 */
import type { SkillRecommendation } from "../skills/index.ts";
import { codeSpan } from "./markdown.ts";

export interface SignalSkills {
  /** The stage's agent: claude, codex, opencode (or command: no skills). */
  agent: string;
  recommended: readonly Pick<SkillRecommendation, "name" | "description" | "file">[];
}

/** A description is cut to its first sentence, and to this many characters. */
const MAX_DESCRIPTION = 160;

export function renderSkills(skills: SignalSkills | undefined): string {
  if (skills === undefined || skills.recommended.length === 0) return "";
  const lines = skills.recommended.map(
    (s) => `- ${codeSpan(s.name)} — ${shortDescription(s.description)}`,
  );
  return `${lines.join("\n")}\n\n${howToLoad(skills)}`;
}

function howToLoad(skills: SignalSkills): string {
  const first = skills.recommended[0];
  const file = first === undefined ? "" : codeSpan(first.file);
  switch (skills.agent) {
    case "claude":
      return `Load one with your Skill tool by its name, or read its \`SKILL.md\` (e.g. ${file}).`;
    case "opencode":
      return `Load one with your \`skill\` tool by its name, or read its \`SKILL.md\` (e.g. ${file}).`;
    default:
      return `Read its \`SKILL.md\` before you start on that part (e.g. ${file}).`;
  }
}

function shortDescription(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const sentence = /^(.+?[.!?])(\s|$)/.exec(flat)?.[1] ?? flat;
  if (sentence.length <= MAX_DESCRIPTION) return sentence;
  const cut = sentence.slice(0, MAX_DESCRIPTION - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > MAX_DESCRIPTION / 2 ? cut.slice(0, space) : cut).replace(/[,;:—-]\s*$/, "")}…`;
}
