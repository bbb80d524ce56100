/**
 * Claude's context gate: the hook command Flux puts around every tool call (PreToolUse and
 * PostToolUse) of a Claude session, headless or interactive (DESIGN.md §4).
 *
 * A `flux hook` call costs a Node start (~95 ms); a session makes hundreds of tool calls, most
 * of them with plenty of context left. So the gate is a small shell script, written for the
 * session: it reads the main-thread `usage` of the transcript Claude names in the hook's
 * payload — before a tool, that of the message asking for it (Claude appends it to the
 * transcript a moment after PreToolUse starts: the gate waits for the line with the tool's
 * id) — and returns at once while the context is below `warn`. From `warn` on — or once the daemon has
 * left its marker in the session's directory — it hands the payload to `flux hook context`,
 * which measures exactly, reports, and answers: block the tool at the hard limit, tell the
 * agent to hand off at red.
 *
 * Window and threshold are fixed when the session starts (the stage's settings, its model).
 * The script errs towards asking Flux: anything it cannot read, it leaves to `flux hook`.
 */
import path from "node:path";
import { shellQuote } from "../../../core/shell.ts";
import type { LaunchInput } from "../types.ts";

export const CONTEXT_GATE_FILE = "context-gate.sh";
/** The daemon writes it at `warn` (engine/context-report.ts CONTEXT_MARKER). */
export const CONTEXT_MARKER = "context-watch";

/** Transcript bytes the gate reads from the end: assistant lines are found well within. */
const TAIL_BYTES = 262_144;
/**
 * How long PreToolUse waits for the transcript line of the message that asked for the tool:
 * measured 0–40 ms after the hook starts on Claude Code 2.1.197 (docs/agents.md); a subagent's
 * tools are in another file, and give up after WAIT_TRIES × WAIT_STEP_S (0.5 s).
 */
const WAIT_TRIES = 50;
const WAIT_STEP_S = 0.01;

export interface GateInput {
  sessionDir: string;
  /** The session's `flux` (its .work/bin shim), already shell-quoted. */
  flux: string;
  /** Tokens at which the context is `warn`. */
  warnTokens: number;
}

export function contextGateScript(input: GateInput): string {
  const marker = shellQuote(path.join(input.sessionDir, CONTEXT_MARKER));
  return `#!/bin/sh
# Flux's context gate for Claude's tool hooks (generated: docs/agents.md, "Context").
# $1 is pre or post. Below ${input.warnTokens} tokens in use it returns at once.
payload=$(cat)
ask() { printf '%s' "$payload" | ${input.flux} hook context "$1"; exit $?; }
field() { printf '%s' "$payload" | sed -n 's/.*"'"$1"'" *: *"\\([^"]*\\)".*/\\1/p'; }
transcript=$(field transcript_path)
[ -n "$transcript" ] && [ -r "$transcript" ] || ask "$1"
main() { tail -c ${TAIL_BYTES} "$transcript" | grep '"type":"assistant"' | grep -v '"isSidechain":true'; }
line=""
id=$(field tool_use_id)
if [ "$1" = pre ] && [ -n "$id" ]; then
  # Claude appends the message that asks for this tool a moment after this hook starts: wait
  # for it (a hook has no event to wait on), so a jump past the limit is seen before the tool.
  tries=0
  while line=$(main | grep -F "$id" | tail -n 1); [ -z "$line" ] && [ $tries -lt ${WAIT_TRIES} ]; do
    tries=$((tries + 1)); sleep ${WAIT_STEP_S}
  done
fi
# From warn on the daemon leaves a marker: Flux decides every call.
[ -e ${marker} ] && ask "$1"
[ -n "$line" ] || line=$(main | tail -n 1)
[ -n "$line" ] || exit 0
n() { printf '%s' "$line" | grep -o '"'"$1"'":[0-9]*' | head -n 1 | cut -d: -f2; }
a=$(n input_tokens); b=$(n cache_creation_input_tokens); c=$(n cache_read_input_tokens)
[ $((\${a:-0} + \${b:-0} + \${c:-0})) -lt ${input.warnTokens} ] && exit 0
ask "$1"
`;
}

/** The gate's hook entries (PreToolUse, PostToolUse) and its file, for a session's settings. */
export function contextGate(
  input: LaunchInput,
  flux: string,
  hookTimeoutS: number,
): { hooks: Record<string, unknown[]>; file: { path: string; content: string; mode: number } } {
  const file = path.join(input.sessionDir, CONTEXT_GATE_FILE);
  const policy = input.context ?? { warn: 60, handoff: 75, hard: 90 };
  const window =
    policy.window ?? (input.stage.model?.toLowerCase().endsWith("[1m]") === true ? 1e6 : 200_000);
  const warnTokens = Math.ceil((window * policy.warn) / 100);
  const gate = (phase: string) => ({
    type: "command",
    command: `sh ${shellQuote(file)} ${phase}`,
    timeout: hookTimeoutS,
  });
  return {
    hooks: {
      PreToolUse: [{ matcher: "*", hooks: [gate("pre")] }],
      PostToolUse: [{ matcher: "*", hooks: [gate("post")] }],
    },
    file: {
      path: file,
      content: contextGateScript({ sessionDir: input.sessionDir, flux, warnTokens }),
      mode: 0o700,
    },
  };
}
