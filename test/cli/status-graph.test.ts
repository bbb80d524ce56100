import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FLUX_BIN, testEnv } from "../kit/cli.ts";
import { fluxRepo } from "../kit/flux-repo.ts";

describe("flux status", () => {
  it("shows progress, states and what each stage waits on", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    await repo.ok(["stage", "a", "skip"]);
    const { stdout } = await repo.ok(["status"]);
    expect(stdout).toContain("Test plan  doc/plans/PLAN-test.md → main");
    expect(stdout).toContain("25%  4 stages: 1 waiting · 2 ready · 1 skipped");
    expect(stdout).toMatch(/^d\s+waiting\s+waits on b \(ready\), c \(ready\)$/m);
    expect(stdout).toMatch(/^a\s+skipped/m);
    expect(stdout).toContain("Sessions: none running");
    expect(stdout).not.toContain("\u001b[");
  });

  it("gives the same as data with --json", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const data = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
      plan: { file: string; baseBranch: string };
      counts: Record<string, number>;
      stages: { id: string; state: string; waitingOn: { id: string; state: string }[] }[];
      sessions: unknown[];
    };
    expect(data.plan).toMatchObject({ file: "doc/plans/PLAN-test.md", baseBranch: "main" });
    expect(data.counts).toEqual({ total: 4, ready: 1, waiting: 3 });
    expect(data.stages.find((s) => s.id === "d")?.waitingOn).toEqual([
      { id: "b", state: "waiting" },
      { id: "c", state: "waiting" },
    ]);
    expect(data.sessions).toEqual([]);
  });

  it("colours states on request and never with NO_COLOR", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    expect(
      (await repo.ok(["status"], 0, { NO_COLOR: undefined, FORCE_COLOR: "1" })).stdout,
    ).toContain("\u001b[36mready\u001b[39m");
    repo.write(
      ".work/config.toml",
      repo
        .read(".work/config.toml")
        .replace("# [ui]", "[ui]")
        .replace('# color = "auto"', 'color = "always"'),
    );
    expect((await repo.ok(["status"], 0)).stdout).toContain("\u001b[");
  });

  it("works from inside a stage worktree through its .work symlink", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const wt = path.join(repo.dir, ".worktrees", "a");
    repo.git("worktree", "add", "-q", wt, "-b", "flux/a");
    fs.symlinkSync(path.join(repo.dir, ".work"), path.join(wt, ".work"));
    const { flux } = await import("../kit/cli.ts");
    const result = await flux(["status", "--json"], { cwd: wt });
    expect(result.code, result.stderr).toBe(0);
    expect(repo.git("-C", wt, "status", "--porcelain")).toBe("");
  });

  it("redraws with --watch when the state changes, without polling", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const child = spawn(process.execPath, [FLUX_BIN, "status", "--watch", "--json"], {
      cwd: repo.dir,
      env: testEnv(),
    });
    // One listener for the child's whole life: a stream in flowing mode keeps flowing when a
    // listener is removed, so lines printed between two waits would otherwise be lost.
    type View = { stages: { id: string; state: string }[] };
    const views: View[] = [];
    let seen = 0;
    let buffer = "";
    let stderr = "";
    let wake = () => {};
    child.stdout.on("data", (d: Buffer) => {
      buffer += d.toString();
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      const parsed = parts.filter((p) => p !== "").map((p) => JSON.parse(p) as View);
      seen += parsed.length;
      views.push(...parsed);
      wake();
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", () => wake());
    const next = (predicate: (view: View) => boolean) =>
      new Promise<void>((resolve, reject) => {
        const settle = (error?: Error) => {
          clearTimeout(timer);
          wake = () => {};
          if (error === undefined) resolve();
          else reject(error);
        };
        const timer = setTimeout(
          () => settle(new Error(`no matching update in ${seen} views; stderr: ${stderr}`)),
          60_000,
        );
        wake = () => {
          if (views.splice(0).some(predicate)) settle();
          else if (child.exitCode !== null)
            settle(new Error(`flux status --watch exited ${child.exitCode}: ${stderr}`));
        };
        wake();
      });
    try {
      await next((v) => v.stages.find((s) => s.id === "a")?.state === "ready");
      await repo.ok(["stage", "a", "block", "--reason", "watch me"]);
      await next((v) => v.stages.find((s) => s.id === "a")?.state === "blocked");
    } finally {
      child.kill("SIGINT");
    }
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
  });
});

describe("flux graph show", () => {
  it("draws levels, edges, states and the critical path as text", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const { stdout } = await repo.ok(["graph", "show"]);
    expect(stdout).toContain("Level 0\n  └─ ◎ a Alpha  [ready]");
    expect(stdout).toContain("Level 1  (2 may run in parallel)");
    expect(stdout).toContain("└─ ○ d  [waiting]  ← b, c");
    expect(stdout).toMatch(/critical path: a → [bc] → d/);
    expect((await repo.ok(["graph"])).stdout).toBe(stdout);
  });

  it("emits dot, mermaid and json", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const dot = (await repo.ok(["graph", "show", "--format", "dot"])).stdout;
    expect(dot).toMatch(/^digraph flux \{/);
    expect(dot).toContain('"a" -> "b";');
    expect(dot).toContain('"a" [label="Alpha\\na · ready", fillcolor=lightcyan];');
    const mermaid = (await repo.ok(["graph", "show", "-f", "mermaid"])).stdout;
    expect(mermaid).toMatch(/^flowchart TD/);
    expect(mermaid).toContain("  b --> d");
    const data = JSON.parse((await repo.ok(["graph", "show", "--format", "json"])).stdout) as {
      levels: string[][];
      edges: unknown[];
      criticalPath: string[];
    };
    expect(data.levels).toEqual([["a"], ["b", "c"], ["d"]]);
    expect(data.edges).toHaveLength(4);
    expect(data.criticalPath).toHaveLength(3);
    const bad = await repo.run(["graph", "show", "--format", "svg"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Allowed choices are text, dot, mermaid, json");
  });
});

describe("flux graph edit", () => {
  it("applies a valid edit made in $EDITOR", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const editor = repo.write(
      "editor.sh",
      `#!/bin/sh\nprintf '    - id: e\\n      dependencies: [d]\\n' > /tmp/flux-e.$$\nsed -i "/^\\\`\\\`\\\`$/e cat /tmp/flux-e.$$" "$1"\nrm /tmp/flux-e.$$\n`,
    );
    fs.chmodSync(editor, 0o755);
    const { stdout } = await repo.ok(["graph", "edit"], 0, { EDITOR: editor, VISUAL: undefined });
    expect(stdout).toContain("+ e (added)");
    expect(repo.read("doc/plans/PLAN-test.md")).toContain("- id: e");
    await repo.ok(["validate"]);
  });

  it("refuses to apply an invalid edit and keeps the user's text", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const editor = repo.write(
      "editor.sh",
      `#!/bin/sh\nsed -i 's/dependencies: \\[a\\]/dependencies: [zz]/' "$1"\n`,
    );
    fs.chmodSync(editor, 0o755);
    const result = await repo.ok(["graph", "edit"], 3, {
      EDITOR: `sh ${editor}`,
      VISUAL: undefined,
    });
    expect(result.stderr).toContain("PLAN_UNKNOWN_DEPENDENCY");
    expect(result.stderr).toContain(
      "your edits are kept in doc/plans/PLAN-test.md, but the plan in .work/ is unchanged",
    );
    expect(repo.read("doc/plans/PLAN-test.md")).toContain("[zz]");
    const status = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
      stages: { id: string; dependencies: string[] }[];
    };
    expect(status.stages.find((s) => s.id === "b")?.dependencies).toEqual(["a"]);
    const validate = await repo.ok(["validate"], 7);
    expect(validate.stdout).toContain("PLAN_NOT_RECONCILED");
  });

  it("reports an editor that fails", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const result = await repo.ok(["graph", "edit"], 6, { EDITOR: "false", VISUAL: undefined });
    expect(result.stderr).toContain("EDITOR_FAILED");
  });
});
