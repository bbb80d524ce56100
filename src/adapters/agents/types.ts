/**
 * The contract between the engine and the agent CLI adapters (Claude Code, Codex, opencode).
 * An adapter turns a resolved stage into an exact launch (argv, environment, stdin, config
 * files) and parses the CLI's machine output into session telemetry. Launch builders are pure:
 * everything they need, the environment included, is passed in.
 */
import type { Stage } from "../../core/plan/model.ts";
import type { PriceTable } from "./pricing.ts";

export type AgentAdapterKind = "claude" | "codex" | "opencode";

export interface LaunchInput {
  /** agent, model, mode, permissionMode, maxTurns. */
  stage: Stage;
  /** The signal (first prompt), absolute. */
  promptFile: string;
  /** `.work/sessions/<id>/`: config files go here (0600 where secret). */
  sessionDir: string;
  worktree: string;
  sessionId: string;
  /** The session's environment so far (the user's env + plan/stage env + FLUX_*). */
  env: Record<string, string>;
  isRoot: boolean;
  /** Flux bounds the agent's own API retries (Claude retries persistent errors for minutes). */
  apiMaxRetries: number;
  /**
   * The worktree's git directories (`git rev-parse --git-dir` and `--git-common-dir`, absolute).
   * A linked worktree commits into the main repository's `.git`, outside the worktree: Codex's
   * workspace-write sandbox needs them made writable, or the agent cannot commit (measured).
   */
  git?: { dir: string; commonDir: string } | undefined;
  /**
   * The session's context thresholds (percent) and configured window (core/context): Claude's
   * context gate compares against them before it calls Flux.
   */
  context?:
    { window?: number | undefined; warn: number; handoff: number; hard: number } | undefined;
}

export interface AgentLaunch {
  /** Exact command line; argv[0] is the bare CLI name, resolved by the caller (resolveAgentBinary). */
  argv: string[];
  /** Variables to add to (or override in) the session's environment. */
  env: Record<string, string>;
  /**
   * Headless: the prompt on stdin from the signal file, never in argv (argv strings are capped
   * at 128 KiB). "inherit": a TUI that needs the pane's terminal (interactive Claude).
   */
  stdin: { file: string } | "inherit" | "ignore";
  /** Files to write before the launch (absolute paths under sessionDir). */
  files: { path: string; content: string; mode?: number }[];
  /** Said once to the user. */
  notices: string[];
  output: "claude-stream-json" | "codex-json" | "opencode-json" | "text";
  /**
   * A TUI (interactive Claude): it must get the pane's terminal on stdin, stdout AND stderr —
   * piping its output breaks it — and it does not exit by itself when the work is done.
   */
  tty?: true;
  /**
   * A directory the CLI must trust without asking, recorded in the user's config before the
   * launch (Claude's TUI: the parent of all worktrees; claude/trust.ts).
   */
  trust?: { configFile: string; dir: string };
}

/** Token counts. `inputTokens` never includes cached tokens, for every CLI (see each parser). */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
}

export type ErrorClass = "rate_limit" | "usage_limit" | "api_error" | "max_turns" | "crash";

export interface SessionTelemetry {
  /** Claude session_id / Codex thread id / opencode session id (kept for resume). */
  agentSessionId?: string;
  model?: string;
  /** Summed over the session. */
  usage: Usage;
  /**
   * The context in use after the last main-thread model call (DESIGN §4; never a sum over
   * turns), measured the way each CLI measures it for itself: Claude input + cache creation +
   * cache read; opencode also counts the step's output (reference §3.4). Codex's `--json`
   * stream only has per-turn sums, so it is undefined there: read the rollout (codex/rollout.ts).
   */
  contextTokens?: number;
  /** The model's context window when the CLI reports it (Claude's result.modelUsage). */
  contextWindow?: number;
  costUsd?: number;
  /** True when the cost comes from the price table, not from the CLI. */
  costEstimated: boolean;
  result?: "success" | "error";
  errorClass?: ErrorClass;
  errorMessage?: string;
  /**
   * When the agent's rate or usage limit resets (epoch ms), when the CLI said so (a retry-after,
   * a reset header it echoed, "resets at …"); absent when it did not.
   */
  limitResetAt?: number;
  turns?: number;
}

export interface OutputParser {
  /** One line of the CLI's stdout (a JSON event, or plain text). */
  push(line: string): void;
  /** What is known so far; `exitCode` null while running or when killed by a signal. */
  telemetry(exitCode: number | null): SessionTelemetry;
  /** A readable pane line for a raw line, or undefined to hide it. */
  render(line: string): string | undefined;
}

export interface ParserOptions {
  /**
   * The model the stage asked for. Codex and opencode do not name the model in their
   * machine output; it is used for the telemetry and the price estimate.
   */
  model?: string | undefined;
  /**
   * The clock (epoch ms) relative reset times count from ("try again at 8:26 PM", a
   * retry-after): read when the line arrives. Default Date.now.
   */
  now?: (() => number) | undefined;
}

export interface AgentAdapter {
  kind: AgentAdapterKind;
  launch(input: LaunchInput): AgentLaunch;
  parser(prices?: PriceTable, options?: ParserOptions): OutputParser;
}
