/**
 * Each adapter's launch, run for real: the pinned CLI started with exactly the argv, env,
 * files and stdin the adapter returns, against the fake model, its stdout through the
 * adapter's parser. Proves the prompt arrives on stdin, the settings and permission configs are
 * accepted and honoured, and the telemetry reads real output.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { agentAdapter, resolveAgentBinary } from "../../../src/adapters/agents/index.ts";
import type {
  AgentAdapterKind,
  AgentLaunch,
  SessionTelemetry,
} from "../../../src/adapters/agents/index.ts";
import type { StageSpec } from "../../../src/core/plan/schema.ts";
import type { ScriptInput } from "../../../src/adapters/model/index.ts";
import { cliHome, fakeModel } from "../../kit/model.ts";
import { tempDir, tempRepo } from "../../kit/temp-repo.ts";
import { launchInput, stage } from "./helpers.ts";

const PROJECT_BIN = path.resolve(import.meta.dirname, "../../../node_modules/.bin");
const isRoot = process.getuid?.() === 0;

interface Run {
  code: number | null;
  launch: AgentLaunch;
  telemetry: SessionTelemetry;
  pane: string[];
  stderr: string;
}

/** A fake `flux` that records it ran: proves which commands the permission config lets through. */
function fakeFlux(dir: string): string {
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, "flux"), '#!/bin/sh\necho "flux $*" > flux-proof.txt\n', {
    mode: 0o755,
  });
  return bin;
}

async function runLaunch(
  kind: AgentAdapterKind,
  options: { cwd: string; script: ScriptInput; spec?: Partial<StageSpec>; prompt?: string },
  extra: { git?: { dir: string; commonDir: string } } = {},
): Promise<Run> {
  await using model = await fakeModel(options.script);
  await using home = cliHome(kind, model);
  const work = tempDir("flux-session-");
  try {
    // Flux's own settings must come from the launch, not from the test kit.
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(home.env)) {
      if (v !== undefined && !["IS_SANDBOX", "CLAUDE_CODE_MAX_RETRIES"].includes(k)) env[k] = v;
    }
    env.PATH = `${fakeFlux(work)}${path.delimiter}${env.PATH ?? ""}`;
    env.FLUX_WORK_DIR = work;
    const promptFile = path.join(work, "signal.md");
    fs.writeFileSync(promptFile, options.prompt ?? "Do the task.\n");
    const adapter = agentAdapter(kind);
    const launch = adapter.launch(
      launchInput({
        stage: stage({ agent: kind, ...options.spec }),
        promptFile,
        sessionDir: path.join(work, "session"),
        worktree: options.cwd,
        env,
        isRoot,
        apiMaxRetries: 0,
        ...extra,
      }),
    );
    for (const file of launch.files) {
      fs.mkdirSync(path.dirname(file.path), { recursive: true });
      fs.writeFileSync(file.path, file.content, { mode: file.mode });
    }
    const [name = "", ...args] = launch.argv;
    const binary = resolveAgentBinary(name, { env: {}, projectBin: PROJECT_BIN });
    const stdin = typeof launch.stdin === "object" ? fs.openSync(launch.stdin.file, "r") : "ignore";
    const parser = adapter.parser();
    const pane: string[] = [];
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(binary, args, {
        cwd: options.cwd,
        // opencode takes its project directory from $PWD.
        env: { ...env, ...launch.env, PWD: options.cwd },
        stdio: [stdin, "pipe", "pipe"],
        detached: true,
      });
      let buffer = "";
      let stderr = "";
      const take = (l: string) => {
        parser.push(l);
        const shown = parser.render(l);
        if (shown !== undefined) pane.push(shown);
      };
      child.stdout?.setEncoding("utf8").on("data", (d: string) => {
        buffer += d;
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        lines.forEach(take);
      });
      child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const timer = setTimeout(() => {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        reject(new Error(`${kind} timed out\n${pane.join("\n")}\n${stderr}`));
      }, 90_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        if (buffer !== "") take(buffer);
        resolve({ code, stderr });
      });
    });
    if (typeof stdin === "number") fs.closeSync(stdin);
    return { ...result, launch, telemetry: parser.telemetry(result.code), pane };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

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
    const run = await runLaunch(
      "codex",
      {
        cwd: worktree,
        script: [{ shell: commit }, { end: true, text: "Done." }],
        spec: { permission_mode: "edits" },
      },
      {
        git: {
          dir: path.join(repo.dir, ".git", "worktrees", "s1"),
          commonDir: path.join(repo.dir, ".git"),
        },
      },
    );
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
