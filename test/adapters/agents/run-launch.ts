/**
 * Runs an agent adapter's launch for real: the pinned CLI started with exactly the argv, env,
 * files and stdin the adapter returns, against the fake model, its stdout through the adapter's
 * parser. Shared by the real-CLI tests (real-cli.test.ts, limits.test.ts).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { agentAdapter, resolveAgentBinary } from "../../../src/adapters/agents/index.ts";
import type {
  AgentAdapterKind,
  AgentLaunch,
  ParserOptions,
  SessionTelemetry,
} from "../../../src/adapters/agents/index.ts";
import type { StageSpec } from "../../../src/core/plan/schema.ts";
import type { ModelServer, ScriptInput } from "../../../src/adapters/model/index.ts";
import { cliHome, fakeModel, type CliEnvOptions } from "../../kit/model.ts";
import { tempDir } from "../../kit/temp-repo.ts";
import { launchInput, stage } from "./helpers.ts";

const PROJECT_BIN = path.resolve(import.meta.dirname, "../../../node_modules/.bin");
const isRoot = process.getuid?.() === 0;

export interface Run {
  code: number | null;
  launch: AgentLaunch;
  telemetry: SessionTelemetry;
  pane: string[];
  /** stdout, line by line. */
  lines: string[];
  stderr: string;
  /** The requests the model answered, in order. */
  requests: ReturnType<ModelServer["requests"]>;
}

export interface RunOptions {
  cwd: string;
  script: ScriptInput;
  spec?: Partial<StageSpec>;
  prompt?: string;
  git?: { dir: string; commonDir: string };
  /** The CLI's isolated home: retries for Codex's config (default 0). */
  home?: CliEnvOptions;
  /** Flux's bound on Claude's retries (CLAUDE_CODE_MAX_RETRIES). Default 0. */
  apiMaxRetries?: number;
  /** Added to the session env; an empty value removes the variable (e.g. an API key). */
  env?: Record<string, string>;
  parser?: ParserOptions;
  /** Default 90 000; on timeout the CLI's process group is killed and the run rejects. */
  timeoutMs?: number;
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

export async function runLaunch(kind: AgentAdapterKind, options: RunOptions): Promise<Run> {
  await using model = await fakeModel(options.script);
  await using home = cliHome(kind, model, options.home);
  const work = tempDir("flux-session-");
  try {
    // Flux's own settings must come from the launch, not from the test kit.
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(home.env)) {
      if (v !== undefined && !["IS_SANDBOX", "CLAUDE_CODE_MAX_RETRIES"].includes(k)) env[k] = v;
    }
    for (const [k, v] of Object.entries(options.env ?? {})) {
      if (v === "") delete env[k];
      else env[k] = v;
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
        apiMaxRetries: options.apiMaxRetries ?? 0,
        ...(options.git === undefined ? {} : { git: options.git }),
      }),
    );
    for (const file of launch.files) {
      fs.mkdirSync(path.dirname(file.path), { recursive: true });
      fs.writeFileSync(file.path, file.content, { mode: file.mode });
    }
    const [name = "", ...args] = launch.argv;
    const binary = resolveAgentBinary(name, { env: {}, projectBin: PROJECT_BIN });
    const stdin = typeof launch.stdin === "object" ? fs.openSync(launch.stdin.file, "r") : "ignore";
    const parser = adapter.parser(undefined, options.parser);
    const pane: string[] = [];
    const lines: string[] = [];
    const timeoutMs = options.timeoutMs ?? 90_000;
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
        lines.push(l);
        parser.push(l);
        const shown = parser.render(l);
        if (shown !== undefined) pane.push(shown);
      };
      child.stdout?.setEncoding("utf8").on("data", (d: string) => {
        buffer += d;
        const parts = buffer.split("\n");
        buffer = parts.pop() ?? "";
        parts.forEach(take);
      });
      child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const timer = setTimeout(() => {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        reject(new Error(`${kind} timed out\n${pane.join("\n")}\n${stderr}`));
      }, timeoutMs);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        if (buffer !== "") take(buffer);
        resolve({ code, stderr });
      });
    });
    if (typeof stdin === "number") fs.closeSync(stdin);
    return {
      ...result,
      launch,
      telemetry: parser.telemetry(result.code),
      pane,
      lines,
      requests: model.requests(),
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
