import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { flux } from "../kit/cli.ts";
import { fluxRepo } from "../kit/flux-repo.ts";
import { tempDir, tempRepo } from "../kit/temp-repo.ts";

const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

describe("flux plan", () => {
  it("writes a commented template that initialises as it is", async () => {
    await using repo = await tempRepo();
    const created = await flux(["plan", "new", "user-auth"], { cwd: repo.dir });
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("Wrote doc/plans/PLAN-user-auth.md");
    const text = repo.read("doc/plans/PLAN-user-auth.md");
    expect(text).toContain("<!-- FLUX METADATA -->");
    expect(text).toContain("- id: user-auth-foundation");
    const init = await flux(["init", "doc/plans/PLAN-user-auth.md"], { cwd: repo.dir });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toBe("");
    const again = await flux(["plan", "new", "user-auth"], { cwd: repo.dir });
    expect(again.code).toBe(4);
    expect(again.stderr).toContain("--force");
    expect((await flux(["plan", "new", "user-auth", "--force"], { cwd: repo.dir })).code).toBe(0);
    const bad = await flux(["plan", "new", "User Auth"], { cwd: repo.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("PLAN_BAD_NAME");
  });

  it("prints the plan JSON Schema, the same as schema/plan.schema.json", async () => {
    const dir = tempDir();
    const result = await flux(["plan", "schema"], { cwd: dir });
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as unknown;
    expect(printed).toEqual(
      JSON.parse(
        fs.readFileSync(new URL("../../schema/plan.schema.json", import.meta.url), "utf8"),
      ),
    );
    fs.rmSync(dir, { recursive: true });
  });
});

describe("the main job (npm run example)", () => {
  it("initialises the bundled example plan, then shows status and the graph", () => {
    const dir = tempDir();
    const out = execFileSync(
      "bash",
      [new URL("../../scripts/example.sh", import.meta.url).pathname, dir],
      {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    expect(out).toContain(
      "Initialised PLAN: Link shortener from doc/plans/PLAN-example.md: 5 stages",
    );
    expect(out).toMatch(/^e2e\s+waiting\s+waits on api \(waiting\), cli \(waiting\)$/m);
    expect(out).toContain("critical path: store → api → e2e");
    fs.rmSync(dir, { recursive: true });
  });
});

describe("flux doctor", () => {
  it("reports git and node with versions, and what is missing with an install hint", async () => {
    const dir = tempDir();
    const data = JSON.parse((await flux(["doctor", "--json"], { cwd: dir })).stdout) as {
      ok: boolean;
      findings: { name: string; status: string; version: string | null; fix?: string }[];
    };
    expect(data.ok).toBe(true);
    const byName = new Map(data.findings.map((f) => [f.name, f]));
    expect(byName.get("git")).toMatchObject({ status: "ok" });
    expect(byName.get("git")?.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(byName.get("node")?.version).toBe(process.versions.node);
    expect([...byName.keys()]).toEqual(["node", "git", "tmux", "claude", "codex", "opencode"]);
    // With an empty PATH, git is missing: doctor fails and says how to install it.
    const bare = await flux(["doctor"], { cwd: dir, env: { PATH: "/nonexistent" } });
    expect(bare.code).toBe(7);
    expect(bare.stdout).toMatch(/✗ git\s+missing/);
    expect(bare.stdout).toContain("apt-get install git");
    // Agent CLIs are also found among flux's own dependencies, as sessions find them.
    expect(bare.stdout).toMatch(/✓ claude\s+2\.1\.197/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe("help, version, completion, exit codes", () => {
  it("shows examples in the help of every command", async () => {
    const dir = tempDir();
    for (const args of [
      [],
      ["init"],
      ["status"],
      ["graph", "show"],
      ["graph", "edit"],
      ["stage"],
      ["validate"],
      ["doctor"],
      ["plan", "new"],
      ["plan", "schema"],
      ["completion"],
    ]) {
      const result = await flux([...args, "--help"], { cwd: dir });
      expect(result.code, args.join(" ")).toBe(0);
      expect(result.stdout, args.join(" ")).toContain("Examples:\n  $ flux");
    }
    expect((await flux(["--help"], { cwd: dir })).stdout).toContain("Exit codes: 0 ok");
    fs.rmSync(dir, { recursive: true });
  });

  it("prints the package version", async () => {
    const result = await flux(["--version"], { cwd: tempDir() });
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it("exits 2 on bad usage, with a suggestion", async () => {
    const result = await flux(["stauts"], { cwd: tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error[USAGE]: unknown command 'stauts'. Did you mean status?");
    expect((await flux(["init"], { cwd: tempDir() })).code).toBe(2);
  });

  it("generates bash completion that completes commands, subcommands and options", async () => {
    await using repo = await fluxRepo();
    const script = (await repo.ok(["completion", "bash"])).stdout;
    const complete = (words: string[]) =>
      execFileSync(
        "bash",
        [
          "-c",
          `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _flux; echo "\${COMPREPLY[*]}"`,
        ],
        { encoding: "utf8" },
      ).trim();
    expect(complete(["flux", "gr"])).toBe("graph");
    expect(complete(["flux", "graph", ""])).toBe("show edit --help");
    expect(complete(["flux", "graph", "show", "--f"])).toBe("--format");
    expect(complete(["flux", "stage", "a", "sk"])).toBe("skip");
    expect(complete(["flux", "completion", "z"])).toBe("zsh");
    const zsh = (await repo.ok(["completion", "zsh"])).stdout;
    expect(zsh).toContain("bashcompinit");
    const fish = (await repo.ok(["completion", "fish"])).stdout;
    expect(fish).toContain("complete -c flux -f -n '__fish_use_subcommand' -a init");
  });
});
