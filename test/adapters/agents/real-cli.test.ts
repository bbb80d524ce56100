/**
 * Each adapter's launch, run for real: the pinned CLI started with exactly the argv, env,
 * files and stdin the adapter returns, against the fake model, its stdout through the
 * adapter's parser. Proves the prompt arrives on stdin, the settings and permission configs are
 * accepted and honoured, and the telemetry reads real output.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ScriptInput } from "../../../src/adapters/model/index.ts";
import { tempRepo } from "../../kit/temp-repo.ts";
import { runLaunch } from "./run-launch.ts";

const WORK: ScriptInput = [
  { text: "Writing.", write: { path: "hello.txt", content: "hello\n" } },
  { shell: "echo ran > shell-proof.txt" },
  { end: true, text: "All done." },
];

describe("claude, launched by its adapter", () => {
  it("bypass: works headless from the prompt on stdin (as root too) and reports telemetry", async () => {
    await using repo = await tempRepo();
    const run = await runLaunch("claude", { cwd: repo.dir, script: WORK });
    expect(run.code, run.stderr).toBe(0);
    expect(repo.read("hello.txt")).toBe("hello\n");
    expect(repo.read("shell-proof.txt")).toBe("ran\n");
    expect(run.telemetry).toMatchObject({ result: "success", costEstimated: false, turns: 3 });
    expect(run.telemetry.agentSessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.telemetry.contextTokens).toBeGreaterThan(0);
    expect(run.telemetry.costUsd).toBeGreaterThan(0);
    expect(run.pane.at(-1)).toMatch(/^✓ done · 3 turns · \$/);
  });

  it("ask: the settings file lets flux through while other commands are denied", async () => {
    await using repo = await tempRepo();
    const script = [
      { shell: "touch denied.txt" },
      { shell: "flux stage complete" },
      { end: true, text: "ok" },
    ];
    const run = await runLaunch("claude", {
      cwd: repo.dir,
      script: script as ScriptInput,
      spec: { permission_mode: "ask" },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(repo.dir, "denied.txt"))).toBe(false);
    expect(repo.read("flux-proof.txt")).toBe("flux stage complete\n");
  });

  it("bounds API retries: a 429 ends at once as a rate limit", async () => {
    await using repo = await tempRepo();
    const started = Date.now();
    const run = await runLaunch("claude", {
      cwd: repo.dir,
      script: [{ error: { status: 429, type: "rate_limit_error", message: "slow down" } }],
    });
    expect(run.code).toBe(1);
    expect(run.telemetry).toMatchObject({ result: "error", errorClass: "rate_limit" });
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe("codex, launched by its adapter", () => {
  it("bypass: reads the prompt from stdin and reports the thread", async () => {
    await using repo = await tempRepo();
    const run = await runLaunch("codex", {
      cwd: repo.dir,
      script: [{ shell: "echo ran > shell-proof.txt" }, { end: true, text: "Done." }],
    });
    expect(run.code, run.stderr).toBe(0);
    expect(repo.read("shell-proof.txt")).toBe("ran\n");
    expect(run.telemetry).toMatchObject({ result: "success", turns: 1 });
    expect(run.telemetry.agentSessionId).toBeDefined();
    expect(run.telemetry.usage.inputTokens).toBeGreaterThan(0);
  });

  it("edits: commits from a linked worktree inside the workspace-write sandbox", async () => {
    await using repo = await tempRepo();
    const worktree = path.join(repo.dir, ".worktrees", "s1");
    repo.git("worktree", "add", "-q", "-b", "flux/s1", worktree);
    const commit = "echo hi > made.txt && git add made.txt && git commit -qm made";
    const run = await runLaunch("codex", {
      cwd: worktree,
      script: [{ shell: commit }, { end: true, text: "Done." }],
      spec: { permission_mode: "edits" },
      git: {
        dir: path.join(repo.dir, ".git", "worktrees", "s1"),
        commonDir: path.join(repo.dir, ".git"),
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(repo.git("log", "-1", "--format=%s", "flux/s1").trim()).toBe("made");
  });
});

describe("opencode, launched by its adapter", () => {
  it("edits: file edits and flux pass, other shell commands are rejected", async () => {
    await using repo = await tempRepo();
    const run = await runLaunch("opencode", {
      cwd: repo.dir,
      script: [
        { write: { path: "hello.txt", content: "hello\n" } },
        { shell: "flux stage complete" },
        { shell: "touch denied.txt" },
        { end: true, text: "Done." },
      ],
      spec: { permission_mode: "edits" },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(repo.read("hello.txt")).toBe("hello\n");
    expect(repo.read("flux-proof.txt")).toBe("flux stage complete\n");
    expect(fs.existsSync(path.join(repo.dir, "denied.txt"))).toBe(false);
    expect(run.pane.join("\n")).toContain("✗ The user rejected permission");
    expect(run.telemetry.agentSessionId).toMatch(/^ses_/);
    expect(run.telemetry.contextTokens).toBeGreaterThan(0);
  });
});
