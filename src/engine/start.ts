/**
 * Starting a session: the worktree (with its setup commands the first time), the signal, the
 * spec file, the session row and the `session_started` edge in one transaction, then the
 * backend (tmux or detached process) launches `"$FLUX_BIN" runner <session-id>`.
 */
import fs from "node:fs";
import path from "node:path";
import { createWorktree, gitAsync } from "../adapters/git/index.ts";
import { ExitCode, FluxError } from "../core/errors.ts";
import { expandCommand, shellQuote } from "../core/shell.ts";
import type { Stage } from "../core/plan/model.ts";
import { insertSession } from "../store/sessions.ts";
import type { SessionPurpose } from "../store/sessions.ts";
import { runAcceptance, formatFailure } from "./acceptance/index.ts";
import type { EngineContext } from "./context.ts";
import { sessionEnv } from "./environment.ts";
import { hashToken, newSessionId, newToken } from "./ids.ts";
import { buildSignal } from "./signal.ts";
import type { SessionSpec } from "./session-files.ts";
import { exitFile, logFile, sessionDir, signalFile, writeSpec } from "./session-files.ts";
import {
  agentAdapter,
  ensureWorkspaceTrust,
  resolveAgentBinary,
} from "../adapters/agents/index.ts";
import type { WorkspaceTrust } from "../adapters/agents/index.ts";
import { packageRoot } from "./signal-templates.ts";
import { armTimeout } from "./stage-timeout.ts";
import { sessionPolicy } from "./context-report.ts";
import { park, pickAgent } from "./limits.ts";
import { watchHealth } from "./health.ts";
import { specForAgent } from "../core/limits/policy.ts";
import { recordStack, startBranch } from "./stack.ts";

/** Setup commands (e.g. `npm ci`) may take a while; each gets this long. */
const SETUP_TIMEOUT_MS = 30 * 60_000;

export async function startSession(
  engine: EngineContext,
  stageId: string,
  purpose: SessionPurpose,
): Promise<void> {
  const plan = engine.plan();
  const record = engine.stage(stageId);
  // A fresh stage, or one whose last session handed off (its continuation).
  const edge =
    record.state === "ready"
      ? "session_started"
      : record.state === "needs_handoff"
        ? "handoff_resumed"
        : undefined;
  if (edge === undefined || !engine.run.has(stageId)) return;
  // Its own agent, a fallback when that one is limited, or none: it parks (limits.ts).
  const choice = pickAgent(engine, record);
  if (!("agent" in choice)) {
    park(engine, stageId, choice, purpose);
    return;
  }
  const stage = { ...record, spec: specForAgent(record.spec, choice.agent) };
  if (choice.agent !== record.spec.agent)
    engine.log(`${stageId} runs on its fallback agent ${choice.agent}`);
  const worktree = await createWorktree({
    root: engine.paths.root,
    stageId,
    // A stacked stage starts from its dependency's branch (stack.ts).
    baseBranch: startBranch(engine, record),
  });
  await recordStack(engine, stageId);
  const env = sessionEnv(engine, stage.spec);
  if (worktree.created && stage.spec.setup.length > 0) {
    engine.note(stageId, { reason: "running setup" });
    const result = await runAcceptance({
      cwd: worktree.path,
      env,
      checks: stage.spec.setup.map((command) => ({
        command,
        timeoutMs: SETUP_TIMEOUT_MS,
        expectExit: 0,
      })),
    });
    if (!result.passed) {
      engine.move(
        stageId,
        "block",
        `setup failed in ${worktree.path}:\n${formatFailure(result)}`.slice(0, 4000),
      );
      return;
    }
  }

  const now = engine.clock.now();
  const sessionId = newSessionId(now.getTime());
  const token = newToken();
  const prompt = await buildSignal(engine, stage, worktree, sessionId, purpose);
  const signal = signalFile(engine.paths.work, sessionId);
  fs.mkdirSync(path.dirname(signal), { recursive: true });
  fs.writeFileSync(signal, prompt);

  const agent = await agentStart(engine, stage.spec, signal, sessionId, worktree.path, env);
  const name = `flux-${stageId}`;
  writeSpec(engine.stateDir, {
    sessionId,
    stageId,
    cwd: worktree.path,
    argv: agent.argv,
    env: { ...env, ...agent.env, FLUX_SESSION_ID: sessionId, FLUX_SESSION_TOKEN: token },
    stdin: agent.stdin,
    output: agent.output,
    ...(agent.tty === true ? { tty: true as const } : {}),
    context: sessionPolicy(engine, stage.spec.context),
    heartbeatMs: engine.health.settings.heartbeatMs,
    logFile: logFile(engine.paths.work, sessionId),
    exitFile: exitFile(engine.paths.work, sessionId),
    createdAt: now.toISOString(),
  });
  engine.store.write((emit) => {
    insertSession(engine.store, emit, {
      id: sessionId,
      planId: plan.id,
      stageId,
      agent: stage.spec.agent,
      backend: engine.run.manual ? "manual" : engine.backend.kind,
      name,
      tokenHash: hashToken(token),
      purpose,
      interactive: agent.tty === true,
    });
    engine.store.transitionWithin(emit, plan.id, stageId, edge, { actor: "flux" });
    engine.run.takePurpose(stageId);
    engine.store.noteStage(emit, plan.id, stageId, {
      reason: purpose === "resolve" ? `resolving a conflict with ${plan.baseBranch}` : null,
      feedback: null,
    });
  });

  const runner = [process.execPath, engine.fluxBin, "runner", sessionId];
  if (engine.run.manual) {
    const command = `cd ${shellQuote(worktree.path)} && FLUX_WORK_DIR=${shellQuote(engine.paths.work)} FLUX_STATE_DIR=${shellQuote(engine.stateDir)} ${runner.map(shellQuote).join(" ")}`;
    engine.run.recordManualCommand(stageId, command);
    engine.log(`manual: ${command}`);
  } else {
    // The previous session's runner reports its exit just before it ends: its tmux session
    // may linger for a moment under the same name. It has said all it will say.
    if (await engine.backend.isAlive(name)) await engine.backend.kill(name);
    await engine.backend.start({
      name,
      cwd: worktree.path,
      argv: runner,
      env: {
        FLUX_WORK_DIR: engine.paths.work,
        FLUX_SESSION_ID: sessionId,
        FLUX_STATE_DIR: engine.stateDir,
      },
      logFile: path.join(engine.paths.work, "logs", `${sessionId}.runner.log`),
    });
  }
  armTimeout(engine, sessionId, stage.spec.timeoutMs);
  watchHealth(engine, sessionId);
  // The projections follow once the agent is on its way: they are not on the dispatch path.
  engine.project();
}

/** What the runner starts: the agent's command line, its extra environment, its stdin and output. */
export interface AgentStart {
  argv: string[];
  env: Record<string, string>;
  stdin: SessionSpec["stdin"];
  output: SessionSpec["output"];
  /** The agent's own TUI (interactive Claude). */
  tty?: true;
}

/**
 * The agent's start: a `command` agent's line with `{prompt_file}` / `{signal}` expanded to
 * shell-quoted paths, or an agent CLI's exact command line from its adapter (its config files
 * written under the session's directory).
 */
export async function agentStart(
  engine: EngineContext,
  stage: Stage,
  signal: string,
  sessionId: string,
  worktree: string,
  env: Record<string, string>,
): Promise<AgentStart> {
  if (stage.agent === "command") {
    const line = stage.command ?? "";
    return {
      argv: ["sh", "-c", expandCommand(line, { prompt_file: signal, signal })],
      env: {},
      stdin: "inherit",
      output: "text",
    };
  }
  const dir = sessionDir(engine.paths.work, sessionId);
  const launch = agentAdapter(stage.agent).launch({
    stage,
    promptFile: signal,
    sessionDir: dir,
    worktree,
    sessionId,
    env,
    isRoot: process.getuid?.() === 0,
    apiMaxRetries: AGENT_API_MAX_RETRIES,
    git: await gitDirs(worktree),
    context: sessionPolicy(engine, stage.context),
  });
  if (launch.tty === true && engine.backend.kind === "process" && !engine.run.manual) {
    throw new FluxError(
      "AGENT_NEEDS_TMUX",
      `${stage.id}: interactive ${stage.agent} runs its TUI in a terminal, and the process backend has none`,
      {
        hint: `install tmux (and unset \`[sessions] backend = "process"\`), or set \`mode: headless\` on ${stage.id}`,
        exitCode: ExitCode.environment,
      },
    );
  }
  if (launch.trust !== undefined) recordTrust(engine, stage.id, launch.trust);
  for (const file of launch.files) {
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    fs.writeFileSync(file.path, file.content, { mode: file.mode ?? 0o600 });
  }
  for (const notice of launch.notices) engine.notice(notice);
  const [name = "", ...rest] = launch.argv;
  const binary = resolveAgentBinary(name, {
    env: { ...env, ...launch.env },
    projectBin: path.join(packageRoot(), "node_modules", ".bin"),
  });
  return {
    argv: [binary, ...rest],
    env: launch.env,
    stdin: launch.stdin,
    output: launch.output,
    ...(launch.tty === true ? { tty: true as const } : {}),
  };
}

/** The TUI must not stop at its workspace trust dialog: the user's config is told once. */
function recordTrust(engine: EngineContext, stageId: string, trust: WorkspaceTrust): void {
  const outcome = ensureWorkspaceTrust(trust);
  if (outcome.outcome === "recorded") {
    engine.notice(
      `Claude Code trusts ${trust.dir} now: Flux recorded it in ${trust.configFile} so interactive sessions open without the trust dialog (docs/agents.md)`,
    );
  } else if (outcome.outcome === "failed") {
    engine.notice(
      `could not record Claude Code's workspace trust for ${trust.dir} in ${trust.configFile} (${outcome.reason}): its TUI may ask whether to trust the folder; answer in \`flux attach ${stageId}\``,
    );
  }
}

/** The worktree's own git dir and the shared one: a sandboxed agent must be allowed to write both to commit. */
async function gitDirs(worktree: string): Promise<{ dir: string; commonDir: string }> {
  const out = await gitAsync(worktree, [
    "rev-parse",
    "--path-format=absolute",
    "--git-dir",
    "--git-common-dir",
  ]);
  const [dir = "", commonDir = ""] = out.trim().split("\n");
  return { dir, commonDir };
}

/** Flux bounds an agent's own retries of a failing API: a restart with a recovery signal is Flux's job. */
export const AGENT_API_MAX_RETRIES = 2;
