import { describe, expect, it } from "vitest";
import type { Desired, Library, TargetState } from "../../../src/core/install/index.ts";
import {
  BLOCK_BEGIN,
  BLOCK_END,
  desiredFor,
  hashText,
  planInstall,
  planUninstall,
  removeBlock,
  toOpencodeAgent,
  upsertBlock,
} from "../../../src/core/install/index.ts";

const library: Library = {
  files: [
    {
      path: "agents/a.md",
      content: "---\nname: a\ndescription: Does A\ntools: Read, Grep\nmodel: opus\n---\nBody A\n",
    },
    { path: "skills/s/SKILL.md", content: "---\nname: s\ndescription: Skill S\n---\nS\n" },
    { path: "skills/s/run.sh", content: "echo hi\n", executable: true },
  ],
  template: "# Rules\n",
};

/** Applies a plan to an in-memory file map, as the adapter would on disk. */
function apply(files: Map<string, string>, plan: ReturnType<typeof planInstall>): void {
  for (const f of plan.files) {
    if ((f.kind === "create" || f.kind === "update") && f.content !== undefined)
      files.set(f.path, f.content);
    if (f.kind === "remove") files.delete(f.path);
  }
  const b = plan.block;
  if (b !== undefined && b.text !== undefined && b.kind !== "edited") files.set(b.file, b.text);
  if (b?.kind === "remove" && b.text === undefined) files.delete(b.file);
}

function state(
  files: Map<string, string>,
  plan?: ReturnType<typeof planInstall>,
  blockFile = "CLAUDE.md",
): TargetState {
  return {
    manifest: plan?.manifest,
    hashes: new Map([...files].map(([p, c]) => [p, hashText(c)])),
    blockText: files.get(blockFile),
  };
}

const install = (desired: Desired, s: TargetState, force = false) =>
  planInstall({ agent: "claude", desired, state: s, force, version: "0.1.0" });

describe("install planning", () => {
  it("installs, is then up to date, updates what changed and removes what went", () => {
    const files = new Map<string, string>([["CLAUDE.md", "# Mine\n"]]);
    const desired = desiredFor("claude", library, "/home/u/.claude");
    const first = install(desired, state(files));
    expect(first.files.map((f) => [f.kind, f.path])).toEqual([
      ["create", "agents/a.md"],
      ["create", "skills/s/run.sh"],
      ["create", "skills/s/SKILL.md"],
    ]);
    expect(first.block?.kind).toBe("add");
    apply(files, first);
    expect(files.get("CLAUDE.md")).toBe(`# Mine\n\n${BLOCK_BEGIN}\n# Rules\n${BLOCK_END}\n`);

    const again = install(desired, state(files, first));
    expect(again.upToDate).toBe(true);
    expect(again.changes).toBe(0);

    const next: Library = {
      files: [{ path: "agents/a.md", content: "---\nname: a\n---\nBody A v2\n" }],
      template: "# Rules v2\n",
    };
    const update = install(desiredFor("claude", next, "/x"), state(files, first));
    expect(update.files.map((f) => [f.kind, f.path])).toEqual([
      ["update", "agents/a.md"],
      ["remove", "skills/s/run.sh"],
      ["remove", "skills/s/SKILL.md"],
    ]);
    expect(update.block?.kind).toBe("replace");
    apply(files, update);
    expect(files.get("CLAUDE.md")).toBe(`# Mine\n\n${BLOCK_BEGIN}\n# Rules v2\n${BLOCK_END}\n`);
  });

  it("leaves the user's own and edited files alone unless forced", () => {
    const files = new Map<string, string>([["agents/a.md", "my own agent\n"]]);
    const desired = desiredFor("claude", library, "/x");
    const first = install(desired, state(files));
    expect(first.files.find((f) => f.path === "agents/a.md")?.kind).toBe("conflict");
    expect(first.skipped).toBe(1);
    expect(first.manifest?.files["agents/a.md"]).toBeUndefined();
    apply(files, first);
    expect(files.get("agents/a.md")).toBe("my own agent\n");

    const forced = install(desired, state(files, first), true);
    expect(forced.files.find((f) => f.path === "agents/a.md")).toMatchObject({
      kind: "update",
      forced: true,
    });
    apply(files, forced);

    files.set("skills/s/SKILL.md", "edited by me\n");
    const edited = install(desired, state(files, forced));
    expect(edited.files.find((f) => f.path === "skills/s/SKILL.md")?.kind).toBe("edited");
    expect(edited.upToDate).toBe(false);
    // Uninstall keeps the edited file (and remembers it), removes the rest.
    const un = planUninstall({ agent: "claude", state: state(files, forced), force: false });
    expect(un.files.map((f) => [f.kind, f.path])).toEqual([
      ["remove", "agents/a.md"],
      ["remove", "skills/s/run.sh"],
      ["edited", "skills/s/SKILL.md"],
    ]);
    expect(Object.keys(un.manifest?.files ?? {})).toEqual(["skills/s/SKILL.md"]);
  });

  it("an uninstall gives back CLAUDE.md byte for byte, or removes the file Flux created", () => {
    for (const original of ["", "a", "a\n", "a\n\n", "# T\r\nx  \n\n\n"]) {
      const files = new Map<string, string>(original === "" ? [] : [["CLAUDE.md", original]]);
      const plan = install(desiredFor("claude", library, "/x"), state(files));
      apply(files, plan);
      const un = planUninstall({ agent: "claude", state: state(files, plan), force: false });
      apply(files, un);
      expect(files.get("CLAUDE.md"), JSON.stringify(original)).toBe(
        original === "" ? undefined : original,
      );
    }
  });

  it("replaces a block in place, keeping the text around it", () => {
    const text = `top\n${BLOCK_BEGIN}\nold\n${BLOCK_END}\nbottom\n`;
    expect(upsertBlock(text, "new").text).toBe(`top\n${BLOCK_BEGIN}\nnew\n${BLOCK_END}\nbottom\n`);
    expect(removeBlock(text, "")).toBe("top\nbottom\n");
  });
});

describe("layouts", () => {
  it("gives opencode agents the frontmatter it accepts", () => {
    const text = toOpencodeAgent(library.files[0]!);
    expect(text).toBe(
      "---\nname: a\ndescription: Does A\nmode: subagent\npermission:\n  edit: deny\n  bash: deny\n  webfetch: deny\n---\nBody A\n",
    );
  });

  it("puts Codex agents under flux/ with an index in the AGENTS.md block, skills where Codex reads them", () => {
    const d = desiredFor("codex", library, "/h/.codex");
    expect(d.files.map((f) => f.path)).toEqual([
      "flux/agents/a.md",
      "skills/s/run.sh",
      "skills/s/SKILL.md",
    ]);
    expect(d.block?.file).toBe("AGENTS.md");
    expect(d.block?.content).toContain("- `a`: Does A (/h/.codex/flux/agents/a.md)");
    expect(desiredFor("opencode", library, "/o").block).toBeUndefined();
  });
});
