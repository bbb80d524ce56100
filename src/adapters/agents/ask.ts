/**
 * One read-only question to an agent CLI, headless, in a conversation that can be continued:
 * the plan drafter's way of talking to an agent (`flux plan draft`). The prompt goes on stdin;
 * the answer is the agent's final text, read from its machine output with the same parsers a
 * stage session uses for telemetry (session id, errors).
 *
 * Read-only per CLI (measured on Claude Code 2.1.197, codex-cli 0.169.0, opencode 1.18.33):
 * - claude:   `--permission-mode plan`; continued with `--resume <session id>`.
 * - codex:    the read-only sandbox (`-c sandbox_mode="read-only"`: `exec resume` has no `-s`);
 *             continued with `codex exec resume <thread id>`.
 * - opencode: its built-in `plan` agent, with edits, shell and web fetches denied in
 *             OPENCODE_CONFIG_CONTENT (a denied tool is refused, not asked: `run` cannot ask);
 *             continued with `--session <session id>`.
 */
import { spawn } from "node:child_process";
import readline from "node:readline";
import { ExitCode, FluxError } from "../../core/errors.ts";
import { claudeParser } from "./claude/parser.ts";
import { codexParser } from "./codex/parser.ts";
import { opencodeParser } from "./opencode/parser.ts";
import { isObject, obj, parseEvent, str } from "./shared.ts";
import type { Json } from "./shared.ts";
import type { AgentAdapterKind, OutputParser, SessionTelemetry } from "./types.ts";

export interface AskArgs {
  /** Continue this conversation instead of starting one. */
  resume?: string | undefined;
  model?: string | undefined;
}

/** The exact argv (argv[0] the bare CLI name) of a read-only question; the prompt is on stdin. */
export function askArgv(kind: AgentAdapterKind, args: AskArgs = {}): string[] {
  const model = args.model === undefined ? [] : ["--model", args.model];
  switch (kind) {
    case "claude":
      return [
        "claude",
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "plan",
        ...model,
        ...(args.resume === undefined ? [] : ["--resume", args.resume]),
      ];
    case "codex":
      return [
        "codex",
        "exec",
        ...(args.resume === undefined ? [] : ["resume"]),
        "--json",
        "--skip-git-repo-check",
        "-c",
        'sandbox_mode="read-only"',
        ...model,
        ...(args.resume === undefined ? [] : [args.resume]),
        // "-": the prompt is read from stdin.
        "-",
      ];
    case "opencode":
      return [
        "opencode",
        "run",
        "--format",
        "json",
        "--agent",
        "plan",
        ...model,
        ...(args.resume === undefined ? [] : ["--session", args.resume]),
      ];
  }
}

/** Read-only permissions for opencode, laid over the user's own OPENCODE_CONFIG_CONTENT. */
export function askEnv(
  kind: AgentAdapterKind,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  if (kind === "claude") {
    return env.DISABLE_AUTOUPDATER === undefined ? { DISABLE_AUTOUPDATER: "1" } : {};
  }
  if (kind === "codex") return {};
  let base: Json = {};
  const existing = env.OPENCODE_CONFIG_CONTENT;
  if (existing !== undefined && existing.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(existing);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
    if (!isObject(parsed)) {
      throw new FluxError("AGENT_CONFIG_INVALID", "OPENCODE_CONFIG_CONTENT is not a JSON object", {
        hint: "fix or unset OPENCODE_CONFIG_CONTENT",
      });
    }
    base = parsed;
  }
  const permission = { edit: "deny", bash: "deny", webfetch: "deny" };
  return {
    OPENCODE_CONFIG_CONTENT: JSON.stringify({ ...base, permission }),
    ...(env.OPENCODE_DISABLE_AUTOUPDATE === undefined
      ? { OPENCODE_DISABLE_AUTOUPDATE: "true" }
      : {}),
  };
}

/**
 * The final answer in a CLI's machine output. Claude: the last `result`, or, when that holds
 * no plan, the plan Claude put in an ExitPlanMode call (its plan mode's way of answering).
 * Codex: the last `agent_message`. opencode: the text parts of its last message.
 */
export function answerReader(kind: AgentAdapterKind): {
  push(line: string): void;
  text(): string;
} {
  let result = "";
  let planTool: string | undefined;
  let lastMessage: string | undefined;
  const parts = new Map<string, string>();
  return {
    push(line) {
      const event = parseEvent(line);
      if (event === undefined) return;
      if (kind === "claude") {
        if (event.type === "result") result = str(event.result) ?? result;
        if (event.type === "assistant") {
          const content = obj(event.message).content;
          for (const block of Array.isArray(content) ? content.map(obj) : []) {
            if (block.type === "tool_use" && block.name === "ExitPlanMode")
              planTool = str(obj(block.input).plan) ?? planTool;
          }
        }
      } else if (kind === "codex") {
        const item = obj(event.item);
        if (event.type === "item.completed" && item.type === "agent_message")
          result = str(item.text) ?? result;
      } else if (event.type === "text") {
        const part = obj(event.part);
        const message = str(part.messageID) ?? "";
        if (message !== lastMessage) {
          parts.clear();
          lastMessage = message;
        }
        parts.set(str(part.id) ?? String(parts.size), str(part.text) ?? "");
      }
    },
    text() {
      if (kind === "opencode") return [...parts.values()].join("\n");
      if (planTool !== undefined && !/FLUX METADATA/.test(result)) return planTool;
      return result;
    },
  };
}

const PARSERS: Record<AgentAdapterKind, () => OutputParser> = {
  claude: () => claudeParser(),
  codex: () => codexParser(),
  opencode: () => opencodeParser(),
};

export interface AskOptions extends AskArgs {
  kind: AgentAdapterKind;
  /** Absolute path of the CLI (resolveAgentBinary). */
  bin: string;
  cwd: string;
  /** The environment the CLI runs with (askEnv is added to it here). */
  env: Readonly<Record<string, string | undefined>>;
  prompt: string;
  /** Default 30 minutes; the CLI is killed past it. */
  timeoutMs?: number;
}

export interface AskResult {
  text: string;
  /** The conversation to continue; AGENT_FAILED is thrown when the CLI named none. */
  conversation: string;
  telemetry: SessionTelemetry;
  durationMs: number;
}

/** Words the CLIs use when they have no usable credential. */
const NOT_LOGGED_IN =
  /invalid api key|please run \/login|not logged in|log ?in required|authentication|unauthori[sz]ed|\b401\b|api key|no credentials|missing.*(key|token)|OPENAI_API_KEY|ANTHROPIC_API_KEY/i;

/** Asks once and waits for the answer. Throws AGENT_NOT_LOGGED_IN or AGENT_FAILED. */
export async function askAgent(options: AskOptions): Promise<AskResult> {
  const { kind } = options;
  const argv = askArgv(kind, options);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env)) if (value !== undefined) env[key] = value;
  Object.assign(env, askEnv(kind, options.env), { PWD: options.cwd });
  const parser = PARSERS[kind]();
  const answer = answerReader(kind);
  const started = Date.now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
    (resolve, reject) => {
      // In flux's own process group: a Ctrl-C at the terminal reaches the agent too.
      const child = spawn(options.bin, argv.slice(1), {
        cwd: options.cwd,
        env,
        stdio: ["pipe", "pipe", "pipe"],
      });
      let err = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        err = (err + d).slice(-8000);
      });
      readline.createInterface({ input: child.stdout }).on("line", (line) => {
        parser.push(line);
        answer.push(line);
      });
      // A CLI that exits before reading its prompt closes the pipe: its exit says why.
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.prompt);
      const timeoutMs = options.timeoutMs ?? 30 * 60_000;
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
      }, timeoutMs);
      child.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on("close", (exit) => {
        clearTimeout(timer);
        resolve({ code: exit, stderr: err });
      });
    },
  );
  const telemetry = parser.telemetry(code);
  const text = answer.text().trim();
  const tail = stderr.trim().split("\n").slice(-5).join("\n");
  if (telemetry.result !== "success" || text === "") {
    const why =
      telemetry.errorMessage ?? (text === "" ? "it answered nothing" : `exit code ${code}`);
    const notLoggedIn = NOT_LOGGED_IN.test(`${why}\n${tail}`);
    throw new FluxError(
      notLoggedIn ? "AGENT_NOT_LOGGED_IN" : "AGENT_FAILED",
      `${kind} failed: ${why}${tail === "" ? "" : `\n${tail}`}`,
      {
        hint: notLoggedIn
          ? `log ${kind} in (\`flux doctor\` checks each agent's login), or pick another with --agent`
          : "`flux doctor` checks the agent CLIs; try again, or pick another with --agent",
        exitCode: ExitCode.environment,
        data: { agent: kind, exitCode: code, errorClass: telemetry.errorClass },
      },
    );
  }
  if (telemetry.agentSessionId === undefined) {
    throw new FluxError("AGENT_FAILED", `${kind} named no conversation to continue`, {
      hint: "its output format may have changed: `flux doctor` checks the agent CLIs' versions",
      exitCode: ExitCode.environment,
      data: { agent: kind },
    });
  }
  return {
    text,
    conversation: telemetry.agentSessionId,
    telemetry,
    durationMs: Date.now() - started,
  };
}
