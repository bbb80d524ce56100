/**
 * `flux demo`: a sample project and a plan with parallel stages, run end to end offline by the
 * real Claude Code against Flux's built-in scripted model — worktrees, sessions, acceptance on
 * the project's own tests, merges. Only `demo` uses the scripted model; `flux run` never does.
 * Claude gets its own config directory here, so the user's is never read or touched.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { resolveAgentBinary } from "../../adapters/agents/index.ts";
import { loadScript, startModelServer } from "../../adapters/model/index.ts";
import { ExitCode, FluxError } from "../../core/errors.ts";
import { packageRoot } from "../../engine/signal-templates.ts";
import { listSessions } from "../../store/sessions.ts";
import { workPaths } from "../../store/paths.ts";
import { Store } from "../../store/store.ts";
import { refuseInsideSession } from "../context.ts";
import type { CommandContext } from "../main.ts";
import { paint } from "../output.ts";
import { init } from "./init.ts";
import { run } from "./run.ts";

export interface DemoOptions {
  dir?: string;
  keep?: boolean;
}

const DEMO_IDENTITY = {
  GIT_AUTHOR_NAME: "Flux Demo",
  GIT_AUTHOR_EMAIL: "demo@flux.invalid",
  GIT_COMMITTER_NAME: "Flux Demo",
  GIT_COMMITTER_EMAIL: "demo@flux.invalid",
};

export async function demo(ctx: CommandContext, opts: DemoOptions): Promise<number> {
  refuseInsideSession(ctx.env, "flux demo");
  const templates = path.join(packageRoot(), "templates", "demo");
  // Fail before creating anything when Claude Code is not to be found.
  resolveAgentBinary("claude", {
    env: ctx.env,
    projectBin: path.join(packageRoot(), "node_modules", ".bin"),
  });
  const dir = prepareDirectory(ctx, opts.dir);
  const state = path.join(dir, ".flux-demo");
  const c = ctx.output.color;
  ctx.output.out(`${paint(c, "bold", "Flux demo")} in ${dir}`);

  fs.cpSync(path.join(templates, "project"), dir, { recursive: true });
  fs.mkdirSync(path.join(dir, "doc", "plans"), { recursive: true });
  fs.copyFileSync(
    path.join(templates, "PLAN-demo.md"),
    path.join(dir, "doc", "plans", "PLAN-demo.md"),
  );
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: dir, env: { ...ctx.env, ...DEMO_IDENTITY }, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "A tiny calculator that can only add");
  fs.mkdirSync(state, { recursive: true });
  fs.appendFileSync(path.join(dir, ".git", "info", "exclude"), ".flux-demo/\n");
  ctx.output.out(
    `  a sample project (src/, test/, npm test) and doc/plans/PLAN-demo.md, committed on main`,
  );

  await using model = await startModelServer({
    script: await loadScript(path.join(templates, "model-script.json")),
    log: path.join(state, "model-requests.jsonl"),
  });
  ctx.output.out(`  the built-in scripted model on ${model.url} (no network, no credentials)`);
  const env = demoEnv(ctx.env, model.url, state);
  const demoCtx: CommandContext = { ...ctx, cwd: dir, env };
  ctx.output.out("");
  const initCode = await init(demoCtx, "doc/plans/PLAN-demo.md", {});
  if (initCode !== ExitCode.ok) return initCode;
  const runCode = await run(demoCtx, { foreground: true });
  const keep = opts.keep === true || opts.dir !== undefined;
  summarize(ctx, dir, model.requests().length, keep);
  if (!keep) {
    fs.rmSync(dir, { recursive: true, force: true });
    ctx.output.out(
      paint(
        c,
        "dim",
        `(removed ${dir}; \`flux demo --keep\` or \`--dir <path>\` keeps it to look at)`,
      ),
    );
  }
  return runCode;
}

function prepareDirectory(ctx: CommandContext, requested: string | undefined): string {
  if (requested === undefined)
    return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flux-demo-")));
  const dir = path.resolve(ctx.cwd, requested);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new FluxError("DEMO_DIR_NOT_EMPTY", `${dir} is not empty`, {
      hint: "give `--dir` a new or empty directory",
      exitCode: ExitCode.refused,
    });
  }
  fs.mkdirSync(dir, { recursive: true });
  return fs.realpathSync(dir);
}

/**
 * Claude Code against the local model, with a config directory of its own: the user's login,
 * settings and history are neither used nor touched, and nothing leaves the machine.
 */
export function demoEnv(
  base: NodeJS.ProcessEnv,
  modelUrl: string,
  state: string,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...DEMO_IDENTITY };
  for (const key of Object.keys(env)) {
    if (key.startsWith("ANTHROPIC_") || key.startsWith("CLAUDE_") || key.startsWith("OPENAI_"))
      delete env[key];
  }
  return {
    ...env,
    CLAUDE_CONFIG_DIR: path.join(state, "claude"),
    XDG_CACHE_HOME: path.join(state, "cache"),
    ANTHROPIC_BASE_URL: modelUrl,
    ANTHROPIC_API_KEY: "flux-demo",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
  };
}

function summarize(ctx: CommandContext, dir: string, requests: number, kept: boolean): void {
  const c = ctx.output.color;
  const store = new Store(workPaths(dir).db);
  try {
    const plan = store.activePlan();
    if (plan === undefined) return;
    const stages = store.stages(plan.id);
    const sessions = listSessions(store, plan.id);
    const merged = stages.filter((s) => s.state === "merged").length;
    const tokens = sessions.reduce(
      (n, s) => n + s.inputTokens + s.cacheCreationTokens + s.cacheReadTokens + s.outputTokens,
      0,
    );
    ctx.output.out("");
    ctx.output.out(paint(c, "bold", "What happened"));
    ctx.output.out(
      `  ${merged} of ${stages.length} stages merged into main by ${sessions.length} Claude Code sessions (${requests} model requests, ${tokens} tokens).`,
    );
    ctx.output.out(
      "  subtract and multiply ran in parallel, each in its own worktree; calculate started when both were merged.",
    );
    ctx.output.out(
      "  Each agent wrote code and a test and asked Flux to complete; Flux ran the acceptance itself before merging.",
    );
    if (!kept) return;
    ctx.output.out("");
    ctx.output.out(paint(c, "bold", "Where to look"));
    ctx.output.out(`  cd ${dir}`);
    ctx.output.out("  flux status              # stages, sessions, tokens");
    ctx.output.out("  flux graph show          # the plan's graph");
    ctx.output.out("  git log --graph --oneline");
    ctx.output.out("  npm test                 # the grown calculator's tests");
  } finally {
    store.close();
  }
}
