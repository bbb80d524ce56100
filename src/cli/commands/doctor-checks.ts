/**
 * `flux doctor`'s checks beyond tool versions: each agent CLI's credentials and first-run state,
 * a writable `.work/`, the daemon, the SQLite native module, and the installed library. Each
 * problem carries the command that fixes it. What the agents need was measured on the pinned
 * versions (docs/agents.md): Claude's TUI stops at its onboarding screen until
 * `hasCompletedOnboarding` is set in its `.claude.json`.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { InstallAgent } from "../../core/install/index.ts";
import {
  defaultTarget,
  fluxPackageRoot,
  homeDir,
  readManifest,
} from "../../adapters/library/index.ts";
import { readDaemonInfo } from "../../server/daemon-file.ts";
import { listSessions } from "../../store/sessions.ts";
import type { SessionRecord } from "../../store/sessions.ts";
import { Store } from "../../store/store.ts";
import { findWorkRoot } from "../context.ts";
import { pullRequestChecks } from "./doctor-pr.ts";
import { planTarget } from "./install.ts";

export interface Check {
  name: string;
  need: "required" | "optional";
  status: "ok" | "problem" | "skipped";
  detail: string;
  fix?: string;
}

type Env = NodeJS.ProcessEnv;

const set = (v: string | undefined): boolean => v !== undefined && v !== "";

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || error instanceof SyntaxError)
      return undefined;
    throw error;
  }
}

function claudeChecks(env: Env): Check[] {
  const dir = defaultTarget("claude", env);
  // With CLAUDE_CONFIG_DIR, .claude.json lives inside it; without, beside ~/.claude.
  const stateFile = set(env.CLAUDE_CONFIG_DIR)
    ? path.join(dir, ".claude.json")
    : path.join(homeDir(env), ".claude.json");
  const credential = set(env.ANTHROPIC_API_KEY)
    ? "ANTHROPIC_API_KEY"
    : set(env.ANTHROPIC_AUTH_TOKEN)
      ? "ANTHROPIC_AUTH_TOKEN"
      : fs.existsSync(path.join(dir, ".credentials.json"))
        ? path.join(dir, ".credentials.json")
        : undefined;
  const onboarded = readJson(stateFile)?.hasCompletedOnboarding === true;
  return [
    {
      name: "claude auth",
      need: "optional",
      status: credential === undefined ? "problem" : "ok",
      detail: credential === undefined ? "no credential found" : `credential: ${credential}`,
      ...(credential === undefined
        ? { fix: "run `claude` once and log in (`/login`), or set ANTHROPIC_API_KEY" }
        : {}),
    },
    {
      name: "claude setup",
      need: "optional",
      status: onboarded ? "ok" : "problem",
      detail: onboarded
        ? `first-run setup done (${stateFile})`
        : `first-run setup not done (${stateFile})`,
      ...(onboarded
        ? {}
        : {
            fix: "run `claude` once in a terminal and finish its setup (interactive sessions stop at it)",
          }),
    },
  ];
}

function codexCheck(env: Env): Check {
  const authFile = path.join(defaultTarget("codex", env), "auth.json");
  const credential = set(env.OPENAI_API_KEY)
    ? "OPENAI_API_KEY"
    : fs.existsSync(authFile)
      ? authFile
      : undefined;
  return {
    name: "codex auth",
    need: "optional",
    status: credential === undefined ? "problem" : "ok",
    detail: credential === undefined ? "no credential found" : `credential: ${credential}`,
    ...(credential === undefined ? { fix: "run `codex login`, or set OPENAI_API_KEY" } : {}),
  };
}

const OPENCODE_KEYS = [
  "ANTHROPIC_API_KEY",
  "OPENAI_API_KEY",
  "OPENROUTER_API_KEY",
  "GEMINI_API_KEY",
  "GROQ_API_KEY",
];

function opencodeCheck(env: Env): Check {
  const data = set(env.XDG_DATA_HOME)
    ? (env.XDG_DATA_HOME as string)
    : path.join(homeDir(env), ".local", "share");
  const authFile = path.join(data, "opencode", "auth.json");
  const key = OPENCODE_KEYS.find((k) => set(env[k]));
  const credential = fs.existsSync(authFile)
    ? authFile
    : (key ?? (set(env.OPENCODE_CONFIG) ? `OPENCODE_CONFIG (${env.OPENCODE_CONFIG})` : undefined));
  return {
    name: "opencode auth",
    need: "optional",
    status: credential === undefined ? "problem" : "ok",
    detail: credential === undefined ? "no credential found" : `credential: ${credential}`,
    ...(credential === undefined
      ? { fix: "run `opencode auth login`, or set a provider key (e.g. ANTHROPIC_API_KEY)" }
      : {}),
  };
}

function workCheck(cwd: string, env: Env): Check {
  const root = findWorkRoot(cwd, env);
  if (root === undefined)
    return {
      name: ".work",
      need: "required",
      status: "skipped",
      detail: "no Flux repository here (`flux init` makes one)",
    };
  const work = path.join(root, ".work");
  try {
    fs.accessSync(work, fs.constants.W_OK);
    return { name: ".work", need: "required", status: "ok", detail: `writable (${work})` };
  } catch {
    return {
      name: ".work",
      need: "required",
      status: "problem",
      detail: `not writable (${work})`,
      fix: `give your user write access: chown -R "$USER" ${work}`,
    };
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function daemonCheck(cwd: string, env: Env): Promise<Check> {
  const root = findWorkRoot(cwd, env);
  const name = "daemon";
  if (root === undefined)
    return { name, need: "optional", status: "skipped", detail: "no Flux repository here" };
  const info = readDaemonInfo(path.join(root, ".work"));
  if (info === undefined)
    return { name, need: "optional", status: "ok", detail: "not running (`flux run` starts it)" };
  if (!alive(info.pid))
    return {
      name,
      need: "optional",
      status: "problem",
      detail: `.work/daemon.json names pid ${info.pid}, which is gone`,
      fix: "`flux run` starts a new daemon (the stale file is replaced)",
    };
  try {
    // Any HTTP answer (even 401 without a token) shows the daemon is listening and serving.
    const res = await fetch(new URL("/v1/health", info.url), { signal: AbortSignal.timeout(3000) });
    await res.body?.cancel();
    return {
      name,
      need: "optional",
      status: "ok",
      detail: `running: pid ${info.pid}, ${info.url}, answering`,
    };
  } catch {
    return {
      name,
      need: "optional",
      status: "problem",
      detail: `pid ${info.pid} runs but does not answer at ${info.url}`,
      fix: `\`flux daemon stop\`, or \`kill ${info.pid}\`; then \`flux run\``,
    };
  }
}

function sqliteCheck(): Check {
  const root = fluxPackageRoot();
  try {
    const require = createRequire(path.join(root, "package.json"));
    const Database = require("better-sqlite3") as new (file: string) => { close(): void };
    new Database(":memory:").close();
    return { name: "sqlite", need: "required", status: "ok", detail: "better-sqlite3 loads" };
  } catch (error) {
    return {
      name: "sqlite",
      need: "required",
      status: "problem",
      detail: `better-sqlite3 does not load: ${(error as Error).message.split("\n")[0] ?? ""}`,
      fix: `cd ${root} && npm rebuild better-sqlite3 (needs python3, make, g++)`,
    };
  }
}

function libraryChecks(env: Env): Check[] {
  const out: Check[] = [];
  for (const agent of ["claude", "codex", "opencode"] as InstallAgent[]) {
    const dir = defaultTarget(agent, env);
    // Claude is what `flux install` serves by default; the others only once installed there.
    if (agent !== "claude" && readManifest(dir)?.agent !== agent) continue;
    const plan = planTarget({ agent, dir }, path.join(fluxPackageRoot(), "assets"), false);
    const flag = agent === "claude" ? "" : ` --for ${agent}`;
    out.push({
      name: `${agent} library`,
      need: "optional",
      status: plan.upToDate ? "ok" : "problem",
      detail: plan.upToDate
        ? `installed and up to date (${dir})`
        : `not installed or out of date (${dir})`,
      ...(plan.upToDate ? {} : { fix: `flux install${flag}` }),
    });
  }
  return out;
}

/**
 * Agent CLIs whose last session here could not start (an infrastructure failure: not logged
 * in, onboarding not done, a bad flag), with what they said: the store knows it even when the
 * auth checks above pass (a TUI says "Unable to connect to Anthropic services" and exits).
 */
function agentStartChecks(cwd: string, env: Env): Check[] {
  const root = findWorkRoot(cwd, env);
  const db = root === undefined ? undefined : path.join(root, ".work", "flux.db");
  if (db === undefined || !fs.existsSync(db)) return [];
  let store: Store | undefined;
  try {
    store = new Store(db);
    const plan = store.activePlan();
    if (plan === undefined) return [];
    const last = new Map<string, SessionRecord>();
    for (const s of listSessions(store, plan.id)) last.set(s.agent, s); // oldest first
    return [...last.values()]
      .filter((s) => s.failure === "infrastructure")
      .map((s) => ({
        name: `${s.agent} start`,
        need: "optional" as const,
        status: "problem" as const,
        detail: `its last session (${s.id}, stage ${s.stageId}, ${s.createdAt.slice(0, 16).replace("T", " ")}) could not start: ${(s.failureDetail ?? "it printed nothing").split("\n").slice(-3).join(" | ")}`,
        fix: `make \`${s.agent}\` start by hand in a terminal (log in, finish its first-run setup), then \`flux resume ${s.stageId}\``,
      }));
  } catch {
    return []; // an unreadable store is the .work and sqlite checks' to report
  } finally {
    store?.close();
  }
}

export async function runChecks(cwd: string, env: Env): Promise<Check[]> {
  return [
    sqliteCheck(),
    workCheck(cwd, env),
    await daemonCheck(cwd, env),
    ...claudeChecks(env),
    codexCheck(env),
    opencodeCheck(env),
    ...libraryChecks(env),
    ...agentStartChecks(cwd, env),
    ...pullRequestChecks(cwd, env),
  ];
}
