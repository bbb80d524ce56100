/**
 * opencode's headless launch: `opencode run --format json` with the signal on stdin (with no
 * message argument, `run` reads the message from a non-TTY stdin; measured on opencode
 * 1.18.33), so the prompt never meets the argv cap. Permissions travel in
 * OPENCODE_CONFIG_CONTENT, which opencode layers over the user's own config (measured: it
 * overrides a config file's `"bash": "ask"`).
 */
import { ExitCode, FluxError } from "../../../core/errors.ts";
import type { PermissionMode } from "../../../core/plan/schema.ts";
import { PROTOCOL_COMMANDS, isObject, requireHeadless } from "../shared.ts";
import type { Json } from "../shared.ts";
import type { AgentLaunch, LaunchInput } from "../types.ts";

export function opencodeLaunch(input: LaunchInput): AgentLaunch {
  const { stage } = input;
  requireHeadless(stage);
  const argv = ["opencode", "run", "--format", "json"];
  if (stage.model !== undefined) {
    if (!/^[^/\s]+\/\S+$/.test(stage.model)) {
      throw new FluxError(
        "AGENT_MODEL_INVALID",
        `stage ${stage.id}: opencode names models provider/model, not "${stage.model}"`,
        {
          hint: "e.g. `model: anthropic/claude-sonnet-4-5` (`opencode models` lists them)",
          exitCode: ExitCode.invalidPlan,
          data: { stage: stage.id, model: stage.model },
        },
      );
    }
    argv.push("--model", stage.model);
  }
  const notices: string[] = [];
  if (stage.maxTurns !== undefined) {
    notices.push(`stage ${stage.id}: opencode run has no turn limit; max_turns is ignored`);
  }
  if (stage.permissionMode !== "bypass") {
    notices.push(
      `stage ${stage.id}: opencode runs headless with permission_mode ${stage.permissionMode}; it auto-rejects every tool call that would ask, and a rejection ends its run (flux and git add/commit are allowed)`,
    );
  }
  const env: Record<string, string> = {
    OPENCODE_CONFIG_CONTENT: JSON.stringify(
      withPermissions(input.env.OPENCODE_CONFIG_CONTENT, stage.id, stage.permissionMode),
    ),
  };
  if (input.env.OPENCODE_DISABLE_AUTOUPDATE === undefined) env.OPENCODE_DISABLE_AUTOUPDATE = "true";
  return {
    argv,
    env,
    stdin: { file: input.promptFile },
    files: [],
    notices,
    output: "opencode-json",
  };
}

/**
 * DESIGN §3: bypass → allow everything; edits → file edits allowed, shell and web ask; ask →
 * every edit, shell command and fetch asks. `run` cannot ask: it auto-rejects (measured), so
 * Flux's own commands are allowed by pattern in every mode (`"*"` first: later rules win).
 */
export function opencodePermission(mode: PermissionMode): Json | "allow" {
  // A string replaces the user's whole permission object when configs merge (measured).
  if (mode === "bypass") return "allow";
  const bash: Json = { "*": "ask" };
  for (const command of PROTOCOL_COMMANDS) {
    bash[command] = "allow";
    bash[`${command} *`] = "allow";
  }
  return { edit: mode === "edits" ? "allow" : "ask", bash, webfetch: "ask" };
}

/** The user's OPENCODE_CONFIG_CONTENT (if any) with Flux's permissions laid over it. */
function withPermissions(
  existing: string | undefined,
  stageId: string,
  mode: PermissionMode,
): Json {
  let base: Json = {};
  if (existing !== undefined && existing.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(existing);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
    if (!isObject(parsed)) {
      throw new FluxError(
        "AGENT_CONFIG_INVALID",
        `stage ${stageId}: OPENCODE_CONFIG_CONTENT is not a JSON object`,
        { hint: "fix or unset OPENCODE_CONFIG_CONTENT", exitCode: ExitCode.environment },
      );
    }
    base = parsed;
  }
  const ours = opencodePermission(mode);
  const theirs = base.permission;
  const permission = ours === "allow" || !isObject(theirs) ? ours : { ...theirs, ...ours };
  return { ...base, permission };
}
