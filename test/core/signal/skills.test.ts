import fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { SignalSkills } from "../../../src/core/signal/index.ts";
import { renderSignal, renderSkills } from "../../../src/core/signal/index.ts";
import { fullSignal } from "./fixtures.ts";

const DEFAULT = fs.readFileSync(new URL("../../../templates/signal.md", import.meta.url), "utf8");

const skills = (agent: string): SignalSkills => ({
  agent,
  recommended: [
    {
      name: "auth",
      description:
        "Authentication and authorisation — sessions, JWTs, OAuth. Use when adding login.",
      file: "/home/u/.claude/skills/auth/SKILL.md",
    },
    {
      name: "typescript",
      description: `Strict TypeScript ${"with many details ".repeat(12)}and more`,
      file: "/home/u/.claude/skills/typescript/SKILL.md",
    },
  ],
});

describe("skill recommendations in a signal", () => {
  it("lists each skill with the first sentence of its description, and how this agent loads one", () => {
    expect(renderSkills(skills("claude"))).toBe(
      [
        "- `auth` — Authentication and authorisation — sessions, JWTs, OAuth.",
        "- `typescript` — Strict TypeScript with many details with many details with many details with many details with many details with many details with many details with many…",
        "",
        "Load one with your Skill tool by its name, or read its `SKILL.md` (e.g. `/home/u/.claude/skills/auth/SKILL.md`).",
      ].join("\n"),
    );
    expect(renderSkills(skills("opencode"))).toContain("your `skill` tool");
    expect(renderSkills(skills("codex"))).toContain(
      "Read its `SKILL.md` before you start on that part",
    );
  });

  it("renders nothing without recommendations", () => {
    expect(renderSkills(undefined)).toBe("");
    expect(renderSkills({ agent: "claude", recommended: [] })).toBe("");
    expect(renderSignal(DEFAULT, { ...fullSignal(), skills: undefined })).not.toContain(
      "Skills that may help",
    );
  });

  it("comes last, after feedback and recovery, leaving everything before it byte-identical", () => {
    const without = renderSignal(DEFAULT, fullSignal());
    const withSkills = renderSignal(DEFAULT, { ...fullSignal(), skills: skills("claude") });
    expect(withSkills.startsWith(without.trimEnd())).toBe(true);
    const tail = withSkills.slice(without.trimEnd().length);
    expect(tail).toBe(`\n\n## Skills that may help\n\n${renderSkills(skills("claude"))}\n`);
    expect(withSkills.indexOf("## Feedback")).toBeLessThan(withSkills.indexOf("## Skills"));
    expect(withSkills.indexOf("## Recovery")).toBeLessThan(withSkills.indexOf("## Skills"));
  });
});
