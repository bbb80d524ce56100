/** `flux install` / `uninstall` against temp HOMEs: install, re-install, check, conflicts, edits, removal. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { install } from "../../src/cli/commands/install.ts";
import type { CommandContext } from "../../src/cli/main.ts";
import { flux } from "../kit/cli.ts";
import { tempDir } from "../kit/temp-repo.ts";

const ASSETS = path.resolve(import.meta.dirname, "../../assets");
const firstAgent = fs
  .readdirSync(path.join(ASSETS, "agents"))
  .filter((f) => f.endsWith(".md"))
  .sort()[0]!;

/** Every file under dir, relative, sorted: what a directory holds, byte for byte. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = path.join(rel, e.name);
      if (e.isDirectory()) walk(child);
      else out[child] = fs.readFileSync(path.join(dir, child), "utf8");
    }
  };
  if (fs.existsSync(dir)) walk("");
  return out;
}

function home(): {
  env: Record<string, string>;
  claude: string;
  codex: string;
  opencode: string;
  cwd: string;
} {
  const h = tempDir("flux-home-");
  return {
    env: { HOME: h, CLAUDE_CONFIG_DIR: "", CODEX_HOME: "", XDG_CONFIG_HOME: "" },
    claude: path.join(h, ".claude"),
    codex: path.join(h, ".codex"),
    opencode: path.join(h, ".config", "opencode"),
    cwd: h,
  };
}

describe("flux install for Claude", () => {
  it("installs, is idempotent, checks, handles conflicts and edits, and uninstalls exactly what it added", async () => {
    const h = home();
    const run = (...args: string[]) => flux(args, { cwd: h.cwd, env: h.env });
    fs.mkdirSync(path.join(h.claude, "agents"), { recursive: true });
    const mine = "# My notes\n\nKeep these.";
    fs.writeFileSync(path.join(h.claude, "CLAUDE.md"), mine);
    fs.writeFileSync(path.join(h.claude, "agents", firstAgent), "my own agent\n");
    fs.writeFileSync(path.join(h.claude, "agents", "unrelated.md"), "unrelated\n");
    const before = snapshot(h.claude);

    expect((await run("install", "--check")).code).toBe(1);
    const dry = await run("install", "--dry-run", "--json");
    expect(JSON.parse(dry.stdout)).toMatchObject({ mode: "install-dry-run" });
    expect(snapshot(h.claude)).toEqual(before);

    // The user's own agent of the same name is a conflict: reported, skipped, exit 4.
    const first = await run("install");
    expect(first.code).toBe(4);
    expect(first.stdout).toContain(`! agents/${firstAgent}: your own file`);
    expect(first.stderr).toContain("error[INSTALL_CONFLICT]");
    expect(fs.readFileSync(path.join(h.claude, "agents", firstAgent), "utf8")).toBe(
      "my own agent\n",
    );
    const claudeMd = fs.readFileSync(path.join(h.claude, "CLAUDE.md"), "utf8");
    expect(claudeMd.startsWith(`${mine}\n\n<!-- BEGIN FLUX`)).toBe(true);

    const forced = await run("install", "--force", "--json");
    expect(forced.code).toBe(0);
    const report = JSON.parse(forced.stdout) as {
      targets: { files: { path: string; action: string; forced?: boolean }[] }[];
    };
    expect(report.targets[0]?.files.find((f) => f.path === `agents/${firstAgent}`)).toMatchObject({
      action: "update",
      forced: true,
    });
    expect((await run("install", "--check")).code).toBe(0);

    // Re-install: nothing changes, and CLAUDE.md still has one block.
    const again = await run("install");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("up to date");
    const text = fs.readFileSync(path.join(h.claude, "CLAUDE.md"), "utf8");
    expect(text.match(/<!-- BEGIN FLUX/g)).toHaveLength(1);
    expect(text).toBe(claudeMd);

    // An installed file the user edits is left alone by install and uninstall.
    const edited = path.join(h.claude, "agents", firstAgent);
    fs.writeFileSync(edited, "edited\n");
    const check = await run("install", "--check", "--json");
    expect(check.code).toBe(1);
    expect((await run("install")).stdout).toContain(
      `! agents/${firstAgent}: edited since Flux wrote it`,
    );
    expect(fs.readFileSync(edited, "utf8")).toBe("edited\n");

    const un = await run("uninstall");
    expect(un.code).toBe(4);
    expect(fs.readFileSync(edited, "utf8")).toBe("edited\n");
    expect(fs.readFileSync(path.join(h.claude, "CLAUDE.md"), "utf8")).toBe(mine);
    expect(fs.readFileSync(path.join(h.claude, "agents", "unrelated.md"), "utf8")).toBe(
      "unrelated\n",
    );
    expect((await run("uninstall", "--force")).code).toBe(0);
    const after = snapshot(h.claude);
    expect(after).toEqual({ "CLAUDE.md": mine, "agents/unrelated.md": "unrelated\n" });
    expect((await run("uninstall")).stdout).toContain("nothing installed here");
  });

  it("honours CLAUDE_CONFIG_DIR and --target, and creates and removes a CLAUDE.md of its own", async () => {
    const h = home();
    const cfg = path.join(h.cwd, "cfg");
    const env = { ...h.env, CLAUDE_CONFIG_DIR: cfg };
    expect((await flux(["install"], { cwd: h.cwd, env })).code).toBe(0);
    expect(fs.readFileSync(path.join(cfg, "CLAUDE.md"), "utf8")).toMatch(/^<!-- BEGIN FLUX/);
    expect(fs.existsSync(path.join(cfg, "agents", firstAgent))).toBe(true);
    expect(fs.existsSync(h.claude)).toBe(false);
    expect((await flux(["uninstall"], { cwd: h.cwd, env })).code).toBe(0);
    expect(snapshot(cfg)).toEqual({});

    const target = await flux(["install", "--target", "t", "--for", "claude,codex"], {
      cwd: h.cwd,
      env,
    });
    expect(target.code).toBe(2);
    expect((await flux(["install", "--target", "t"], { cwd: h.cwd, env })).code).toBe(0);
    expect(fs.existsSync(path.join(h.cwd, "t", ".flux-install.json"))).toBe(true);
  });
});

describe("flux install for Codex and opencode", () => {
  it("writes the AGENTS.md block, agents and skills where each CLI reads them, and removes them", async () => {
    const h = home();
    fs.mkdirSync(h.codex, { recursive: true });
    fs.writeFileSync(path.join(h.codex, "AGENTS.md"), "mine\n");
    fs.writeFileSync(path.join(h.codex, "config.toml"), 'model = "x"\n');
    const before = snapshot(h.codex);
    const result = await flux(["install", "--for", "all", "--json"], { cwd: h.cwd, env: h.env });
    expect(result.code).toBe(0);
    const agents = JSON.parse(result.stdout) as { targets: { agent: string; target: string }[] };
    expect(agents.targets.map((t) => [t.agent, t.target])).toEqual([
      ["claude", h.claude],
      ["codex", h.codex],
      ["opencode", h.opencode],
    ]);
    const block = fs.readFileSync(path.join(h.codex, "AGENTS.md"), "utf8");
    expect(block.startsWith("mine\n\n<!-- BEGIN FLUX")).toBe(true);
    const name = firstAgent.replace(/\.md$/, "");
    expect(block).toContain(`- \`${name}\``);
    expect(block).toContain(path.join(h.codex, "flux", "agents", firstAgent));
    expect(fs.existsSync(path.join(h.codex, "flux", "agents", firstAgent))).toBe(true);
    const oc = fs.readFileSync(path.join(h.opencode, "agents", firstAgent), "utf8");
    expect(oc).toMatch(/^---\nname: .*\ndescription: .*\nmode: subagent\n/);
    expect(oc).not.toMatch(/^tools:|^model:/m);

    expect(
      (await flux(["install", "--for", "all", "--check"], { cwd: h.cwd, env: h.env })).code,
    ).toBe(0);
    expect((await flux(["uninstall", "--for", "all"], { cwd: h.cwd, env: h.env })).code).toBe(0);
    expect(snapshot(h.codex)).toEqual(before);
    expect(snapshot(h.opencode)).toEqual({});
  });
});

describe("a library that changed", () => {
  it("updates changed files, removes files the library dropped, and keeps edited ones", async () => {
    const h = home();
    const lib = tempDir("flux-lib-");
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(lib, rel)), { recursive: true });
      fs.writeFileSync(path.join(lib, rel), text);
    };
    write("agents/a.md", "---\nname: a\ndescription: A\n---\nA1\n");
    write("skills/s/SKILL.md", "---\nname: s\ndescription: S\n---\nS1\n");
    write("skills/t/SKILL.md", "---\nname: t\ndescription: T\n---\nT1\n");
    write("CLAUDE.template.md", "rules 1\n");
    const lines: string[] = [];
    const ctx: CommandContext = {
      cwd: h.cwd,
      env: { ...process.env, ...h.env, CLAUDE_CONFIG_DIR: "" },
      output: { color: false, out: (t) => lines.push(t), err: (t) => lines.push(t) },
      fluxBin: "flux",
    };
    expect(await install(ctx, { assets: lib })).toBe(0);
    fs.writeFileSync(path.join(h.claude, "skills", "t", "SKILL.md"), "mine now\n");
    write("agents/a.md", "---\nname: a\ndescription: A\n---\nA2\n");
    fs.rmSync(path.join(lib, "skills"), { recursive: true });
    write("CLAUDE.template.md", "rules 2\n");
    expect(await install(ctx, { assets: lib, check: true })).toBe(1);
    lines.length = 0;
    expect(await install(ctx, { assets: lib })).toBe(0);
    expect(lines.join("\n")).toContain("! skills/t/SKILL.md: no longer in the library, but edited");
    expect(snapshot(h.claude)).toMatchObject({
      "agents/a.md": "---\nname: a\ndescription: A\n---\nA2\n",
      "skills/t/SKILL.md": "mine now\n",
    });
    expect(fs.existsSync(path.join(h.claude, "skills", "s"))).toBe(false);
    expect(fs.readFileSync(path.join(h.claude, "CLAUDE.md"), "utf8")).toContain("rules 2\n");
    expect(await install(ctx, { assets: lib, check: true })).toBe(0);
  });
});
