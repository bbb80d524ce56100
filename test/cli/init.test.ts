import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { flux } from "../kit/cli.ts";
import { DIAMOND_YAML, fluxRepo } from "../kit/flux-repo.ts";
import { planMarkdown } from "../kit/plans.ts";
import { tempDir, tempRepo } from "../kit/temp-repo.ts";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/plans");

describe("flux init", () => {
  it("stores the plan, writes .work/ and excludes it from git", async () => {
    await using repo = await fluxRepo();
    const { stdout } = await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    expect(stdout).toContain(
      "Initialised Test plan from doc/plans/PLAN-test.md: 4 stages, base branch main.",
    );
    expect(stdout).toContain("Ready: a");
    for (const f of [
      "flux.db",
      "config.toml",
      "execution-graph.toml",
      "stages/a.md",
      "stages/d.md",
    ]) {
      expect(fs.existsSync(path.join(repo.dir, ".work", f)), f).toBe(true);
    }
    expect(repo.read(".work/config.toml")).toContain('file = "doc/plans/PLAN-test.md"');
    const exclude = repo.read(".git/info/exclude").split("\n");
    expect(exclude).toContain(".work");
    expect(exclude).toContain(".worktrees/");
    expect(repo.git("status", "--porcelain")).toBe("?? doc/\n");
  });

  it("runs from a subdirectory, with the plan path relative to it", async () => {
    await using repo = await fluxRepo();
    fs.mkdirSync(path.join(repo.dir, "src"));
    const result = await flux(["init", "../doc/plans/PLAN-test.md"], {
      cwd: path.join(repo.dir, "src"),
    });
    expect(result.code).toBe(0);
    expect(fs.existsSync(path.join(repo.dir, ".work/flux.db"))).toBe(true);
  });

  it("prints every plan error with file:line, code and hint, exits 3 and creates nothing", async () => {
    await using repo = await fluxRepo(`    - id: a
      dependencies: [bb]
    - id: b
      dependencies: [a, b]
`);
    const result = await repo.ok(["init", "doc/plans/PLAN-test.md"], 3);
    expect(result.stderr).toMatch(
      /doc\/plans\/PLAN-test\.md:\d+:\d+: error\[PLAN_UNKNOWN_DEPENDENCY\]/,
    );
    expect(result.stderr).toMatch(/did you mean "b"/i);
    expect(result.stderr).toMatch(/PLAN_SELF_DEPENDENCY/);
    expect(result.stderr).toMatch(/hint:/);
    expect(result.stderr).toContain("error[PLAN_INVALID]");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(repo.dir, ".work/flux.db"))).toBe(false);
  });

  it("gives the diagnostics as data with --json", async () => {
    await using repo = await fluxRepo(`    - id: a\n      dependencies: [a]\n`);
    const result = await repo.ok(["init", "doc/plans/PLAN-test.md", "--json"], 3);
    const data = JSON.parse(result.stdout) as {
      error: { code: string; diagnostics: { code: string; line: number; file: string }[] };
    };
    expect(data.error.code).toBe("PLAN_INVALID");
    expect(data.error.diagnostics[0]).toMatchObject({
      code: "PLAN_SELF_DEPENDENCY",
      file: "doc/plans/PLAN-test.md",
      line: 12,
    });
  });

  it("warns that only Claude Code runs interactively", async () => {
    await using repo = await fluxRepo(
      `    - id: a\n      agent: codex\n      mode: interactive\n    - id: b\n      agent: claude\n    - id: c\n      agent: opencode\n`,
    );
    const result = await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    expect(result.stderr).toMatch(
      /PLAN-test\.md:\d+: warning\[PLAN_MODE_UNSUPPORTED\]: stage "a" runs codex interactively/,
    );
    expect(result.stderr).not.toContain('stage "b"');
    expect(result.stderr).not.toContain('stage "c"');
  });

  it("warns about fields that are not active yet, naming them; context is active", async () => {
    await using repo = await fluxRepo(
      `    - id: a\n      context:\n        window: 100000\n      budget:\n        usd: 5\n`,
    );
    const result = await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    expect(result.stderr).not.toMatch(/warning\[PLAN_INACTIVE_FIELD\].*context/);
    expect(result.stderr).toMatch(/warning\[PLAN_INACTIVE_FIELD\].*budget/);
  });

  it("warns about context thresholds out of order, at their line", async () => {
    await using repo = await fluxRepo(
      `    - id: a\n      context:\n        warn: 80\n        handoff: 70\n`,
    );
    const result = await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    expect(result.stderr).toMatch(
      /PLAN-test\.md:\d+:\d+: warning\[PLAN_CONTEXT_ORDER\]: the context of stage "a": `warn: 80` is above `handoff: 70`/,
    );
    expect(result.stderr).toContain("hint: Set warn to at most 70");
  });

  it("reconciles an edited plan and prints the differences", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    expect((await repo.ok(["init", "doc/plans/PLAN-test.md"])).stdout).toContain("unchanged");
    repo.write(
      "doc/plans/PLAN-test.md",
      planMarkdown(
        DIAMOND_YAML.replace('name: "Alpha"', 'name: "Alpha 2"').replace(/ {4}- id: d\n.*\n/, "") +
          "    - id: e\n      dependencies: [b]\n",
      ),
    );
    const { stdout } = await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    expect(stdout).toContain("Reconciled doc/plans/PLAN-test.md:");
    expect(stdout).toContain("+ e (added)");
    expect(stdout).toContain("- d (removed, was waiting)");
    expect(stdout).toContain("~ a (name changed; ready)");
    const status = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
      stages: { id: string }[];
    };
    expect(status.stages.map((s) => s.id)).toEqual(["a", "b", "c", "e"]);
    await repo.ok(["validate"]);
  });

  it("refuses to rewrite a started stage without --force, and applies it with --force", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    await repo.ok(["stage", "a", "block", "--reason", "busy"]);
    repo.write(
      "doc/plans/PLAN-test.md",
      planMarkdown(DIAMOND_YAML.replace('name: "Alpha"', 'name: "Alpha 2"')),
    );
    const refused = await repo.ok(["init", "doc/plans/PLAN-test.md"], 4);
    expect(refused.stderr).toContain(
      "error[PLAN_RECONCILE_REFUSED]: the edited plan would rewrite a (blocked)",
    );
    expect(refused.stderr).toContain("--force");
    const forced = await repo.ok(["init", "doc/plans/PLAN-test.md", "--force"]);
    expect(forced.stdout).toContain("~ a (name changed; blocked)");
  });

  it("needs --force to replace a plan that has unmerged stages", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    repo.write("doc/plans/PLAN-other.md", planMarkdown("    - id: x\n", "Other"));
    const refused = await repo.ok(["init", "doc/plans/PLAN-other.md"], 4);
    expect(refused.stderr).toContain("PLAN_ACTIVE_UNMERGED");
    await repo.ok(["init", "doc/plans/PLAN-other.md", "--force"]);
    expect(repo.read(".work/config.toml")).toContain('file = "doc/plans/PLAN-other.md"');
    expect((await repo.ok(["status"])).stdout).toContain("Other");
  });

  it("keeps the user's keys and comments in config.toml", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const mine = repo
      .read(".work/config.toml")
      .replace("# [ui]", "# my note\n[ui]")
      .replace('# color = "auto"', 'color = "never" # mine');
    repo.write(".work/config.toml", mine);
    repo.write("doc/plans/PLAN-other.md", planMarkdown("    - id: x\n", "Other"));
    await repo.ok(["init", "doc/plans/PLAN-other.md", "--force"]);
    expect(repo.read(".work/config.toml")).toBe(mine.replace("PLAN-test.md", "PLAN-other.md"));
  });

  it("rejects an unknown setting, naming it", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    repo.write(
      ".work/config.toml",
      repo
        .read(".work/config.toml")
        .replace("# [run]", "[run]")
        .replace("# max_parallel = 4", "max_paralel = 4"),
    );
    const result = await repo.ok(["status"], 2);
    expect(result.stderr).toMatch(
      /error\[CONFIG_INVALID\]: .*config\.toml: run\.max_paralel: unknown key; \[run\] takes max_parallel/,
    );
  });

  it("rejects a broken config.toml with its line", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    repo.write(".work/config.toml", '[plan]\nfile = "x\n');
    const result = await repo.ok(["status"], 2);
    expect(result.stderr).toMatch(/error\[CONFIG_SYNTAX\]: .*config\.toml:2/);
  });

  it("initialises both example plans from the seeds", async () => {
    for (const name of ["seed-flux-cli.md", "seed-claude-flux.md"]) {
      await using repo = await tempRepo();
      repo.write(`doc/plans/${name}`, fs.readFileSync(path.join(fixtures, name), "utf8"));
      const result = await flux(["init", `doc/plans/${name}`], { cwd: repo.dir });
      expect(result.code, result.stderr).toBe(0);
    }
  });

  it("explains what is wrong outside a git repository, or without a plan file", async () => {
    const dir = tempDir();
    const outside = await flux(["init", "plan.md"], { cwd: dir });
    expect(outside.code).toBe(6);
    expect(outside.stderr).toContain("error[NOT_A_GIT_REPO]");
    expect(outside.stderr).toContain("hint: run `git init`");
    fs.rmSync(dir, { recursive: true });
    await using repo = await tempRepo();
    const missing = await flux(["init", "doc/plans/nope.md"], { cwd: repo.dir });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain("PLAN_NOT_FOUND");
    expect(missing.stderr).toContain("flux plan new");
  });
});
