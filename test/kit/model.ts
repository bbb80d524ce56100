/**
 * The fake model for tests, and what each real agent CLI needs to run against it in isolation:
 *
 *   await using model = await fakeModel([{ shell: "echo hi > a.txt" }]);
 *   await using home = cliHome("codex", model);
 *   const run = await runAgentCli("codex", { cwd: repo.dir, env: home.env, prompt: "go" });
 *
 * Every CLI gets its own config, cache and state directories under one temp dir, removed on
 * dispose; nothing is read from or written to the real home (reference/agent-clis.md §1.2,
 * §2.1, §3.1).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  startModelServer,
  type ModelServer,
  type ScriptInput,
} from "../../src/adapters/model/index.ts";
import { tempDir } from "./temp-repo.ts";

export type AgentCli = "claude" | "codex" | "opencode";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI_BIN: Record<AgentCli, string> = {
  claude: path.join(ROOT, "node_modules/.bin/claude"),
  codex: path.join(ROOT, "node_modules/.bin/codex"),
  opencode: path.join(ROOT, "node_modules/.bin/opencode"),
};

/** The API key every CLI sends; the server redacts it in its log anyway. */
export const FAKE_KEY = "fake";

/** A fake model server on a free port, closed on dispose. */
export function fakeModel(
  script: ScriptInput,
  options: { log?: string } = {},
): Promise<ModelServer> {
  return startModelServer({ script, ...options });
}

export interface CliEnvOptions {
  /**
   * API retries. Default 0, so a scripted error surfaces at once: Claude otherwise retries a
   * persistent 529 for about 3 minutes, Codex about 5 times with backoff.
   */
  retries?: number;
  /** Directories Claude's TUI trusts without asking (parents work too). */
  trust?: string[];
}

/** Variables of the surrounding shell that would leak into or redirect an agent CLI. */
const FOREIGN = /^(ANTHROPIC_|CLAUDE|OPENAI_|CODEX_|OPENCODE|XDG_|FLUX_|PWD$|OLDPWD$)/;

/**
 * The environment that runs `kind` against `model`, with its config files written under
 * `dirs.root`. It starts from this process's environment minus anything agent-related.
 */
export function cliEnv(
  kind: AgentCli,
  model: { url: string },
  dirs: { root: string },
  options: CliEnvOptions = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!FOREIGN.test(name) && value !== undefined) env[name] = value;
  const retries = options.retries ?? 0;
  const dir = (...parts: string[]) => {
    const full = path.join(dirs.root, kind, ...parts);
    fs.mkdirSync(full, { recursive: true });
    return full;
  };
  if (kind === "claude") return { ...env, ...claudeEnv(model.url, dir, retries, options.trust) };
  if (kind === "codex") {
    const home = dir("home");
    fs.writeFileSync(path.join(home, "config.toml"), codexConfig(model.url, retries));
    return { ...env, CODEX_HOME: home, FAKE_OPENAI_API_KEY: FAKE_KEY };
  }
  const config = path.join(dir(), "opencode.json");
  fs.writeFileSync(config, JSON.stringify(opencodeConfig(model.url), null, 2));
  return {
    ...env,
    OPENCODE_CONFIG: config,
    XDG_CONFIG_HOME: dir("config"),
    XDG_DATA_HOME: dir("data"),
    XDG_CACHE_HOME: dir("cache"),
    XDG_STATE_HOME: dir("state"),
    OPENCODE_DISABLE_MODELS_FETCH: "true",
    OPENCODE_DISABLE_AUTOUPDATE: "true",
  };
}

function claudeEnv(
  url: string,
  dir: (...parts: string[]) => string,
  retries: number,
  trust: string[] = [],
): Record<string, string> {
  const config = dir("config");
  // What the TUI would otherwise ask on a fresh config (-p skips these dialogs anyway).
  const state = {
    hasCompletedOnboarding: true,
    bypassPermissionsModeAccepted: true,
    customApiKeyResponses: { approved: [FAKE_KEY.slice(-20)], rejected: [] },
    projects: Object.fromEntries(trust.map((d) => [d, { hasTrustDialogAccepted: true }])),
  };
  fs.writeFileSync(path.join(config, ".claude.json"), JSON.stringify(state, null, 2));
  return {
    CLAUDE_CONFIG_DIR: config,
    XDG_CACHE_HOME: dir("cache"),
    ANTHROPIC_BASE_URL: url,
    ANTHROPIC_API_KEY: FAKE_KEY,
    CLAUDE_CODE_MAX_RETRIES: String(retries),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    // As root, --dangerously-skip-permissions refuses to run without it.
    ...(process.getuid?.() === 0 ? { IS_SANDBOX: "1" } : {}),
  };
}

function codexConfig(url: string, retries: number): string {
  // OPENAI_BASE_URL is ignored by Codex 0.169 and wire_api "chat" is rejected: a custom
  // provider speaking Responses is the one way in.
  return `model = "fake-model"
model_provider = "fake"
model_context_window = 200000
check_for_update_on_startup = false

[analytics]
enabled = false

[model_providers.fake]
name = "Fake local provider"
base_url = "${url}/v1"
env_key = "FAKE_OPENAI_API_KEY"
wire_api = "responses"
request_max_retries = ${retries}
stream_max_retries = ${retries}
`;
}

function opencodeConfig(url: string): Record<string, unknown> {
  return {
    $schema: "https://opencode.ai/config.json",
    provider: {
      fake: {
        npm: "@ai-sdk/openai-compatible",
        name: "Fake",
        options: { baseURL: `${url}/v1`, apiKey: FAKE_KEY },
        models: { "fake-model": { name: "Fake model", limit: { context: 200000, output: 8000 } } },
      },
    },
    model: "fake/fake-model",
    small_model: "fake/fake-model",
    autoupdate: false,
    share: "disabled",
    // `opencode run` auto-rejects anything that would ask.
    permission: { edit: "allow", bash: "allow", webfetch: "deny" },
  };
}

export interface CliHome extends AsyncDisposable {
  root: string;
  env: NodeJS.ProcessEnv;
}

/** A temp dir holding one CLI's config and state, and the environment using it. */
export function cliHome(kind: AgentCli, model: { url: string }, options?: CliEnvOptions): CliHome {
  const root = tempDir(`flux-${kind}-`);
  return {
    root,
    env: cliEnv(kind, model, { root }, options),
    [Symbol.asyncDispose]: () => fs.promises.rm(root, { recursive: true, force: true }),
  };
}

/** The argv each CLI runs headless with; Claude reads its prompt from stdin. */
export function cliArgs(kind: AgentCli, prompt: string): string[] {
  if (kind === "claude")
    return ["-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions"];
  if (kind === "codex")
    return ["exec", "--json", "--dangerously-bypass-approvals-and-sandbox", prompt];
  return ["run", "--format", "json", prompt];
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout's JSON lines, parsed; other lines are skipped. */
  events: Record<string, unknown>[];
}

export interface RunCliOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  prompt: string;
  /** Appended to the headless argv, e.g. `["--resume", id]` or `["--max-turns", "3"]`. */
  args?: string[];
  /** Default 60 000. On timeout the CLI's process group is killed and the promise rejects. */
  timeoutMs?: number;
}

export function runAgentCli(kind: AgentCli, options: RunCliOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout also ends whatever the agent started.
    const args = [...cliArgs(kind, options.prompt), ...(options.args ?? [])];
    const child = spawn(CLI_BIN[kind], args, {
      cwd: options.cwd,
      // opencode takes its project directory from $PWD, not from its working directory.
      env: { ...options.env, PWD: options.cwd },
      detached: true,
      // Codex appends a piped stdin to its prompt: give the others /dev/null.
      stdio: [kind === "claude" ? "pipe" : "ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdin?.end(options.prompt);
    const timeoutMs = options.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      reject(
        new Error(`${kind} timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, events: jsonLines(stdout) });
    });
  });
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.split("\n").flatMap((line) => {
    if (!line.startsWith("{")) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch (error) {
      if (error instanceof SyntaxError) return [];
      throw error;
    }
  });
}
