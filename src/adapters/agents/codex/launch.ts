/**
 * Codex's headless launch: `codex exec --json` with the signal on stdin (no prompt argument:
 * codex then reads the prompt from stdin; measured on codex 0.169.0). The user's own Codex
 * config (`$CODEX_HOME/config.toml`: provider, model, retries) is used as is; tests isolate it
 * with CODEX_HOME in the session env.
 *
 * Codex runs its shell commands in a login shell that resets PATH (reference §2.6): its
 * signals must name flux as "$FLUX_BIN", which the session env carries.
 */
import path from "node:path";
import type { PermissionMode } from "../../../core/plan/schema.ts";
import { requireHeadless } from "../shared.ts";
import type { AgentLaunch, LaunchInput } from "../types.ts";

export function codexLaunch(input: LaunchInput): AgentLaunch {
  const { stage } = input;
  requireHeadless(stage);
  const argv = ["codex", "exec", "--json"];
  if (stage.model !== undefined) argv.push("--model", stage.model);
  const notices: string[] = [];
  argv.push(...permissionArgs(stage.permissionMode, input, notices));
  if (stage.maxTurns !== undefined) {
    notices.push(`stage ${stage.id}: Codex has no turn limit; max_turns is ignored`);
  }
  return {
    argv,
    env: {},
    stdin: { file: input.promptFile },
    files: [],
    notices,
    output: "codex-json",
  };
}

/**
 * DESIGN §3: bypass → the bypass flag; edits → the workspace-write sandbox; ask → Codex's own
 * default. `codex exec` cannot ask for approval, so outside bypass a command the sandbox
 * refuses simply fails. Two measured holes are plugged for edits: the sandbox blocks
 * 127.0.0.1 (flux talks to its daemon there), and it keeps every `.git` read-only, so the
 * worktree's git dir and the common dir's objects, refs and logs are added as writable roots.
 */
function permissionArgs(mode: PermissionMode, input: LaunchInput, notices: string[]): string[] {
  if (mode === "bypass") return ["--dangerously-bypass-approvals-and-sandbox"];
  const id = input.stage.id;
  if (mode === "ask") {
    notices.push(
      `stage ${id}: Codex runs headless with permission_mode ask: your Codex config's sandbox and approval policy apply, nothing can approve a command, and the default read-only sandbox cannot edit, commit or reach flux`,
    );
    return [];
  }
  const args = [
    "--sandbox",
    "workspace-write",
    "-c",
    "sandbox_workspace_write.network_access=true",
  ];
  if (input.git === undefined) {
    notices.push(
      `stage ${id}: Codex's workspace-write sandbox keeps the repository's .git read-only, so the agent cannot commit; use permission_mode bypass for Codex`,
    );
    return args;
  }
  const { dir, commonDir } = input.git;
  const writable = [dir, ...["objects", "refs", "logs"].map((sub) => path.join(commonDir, sub))];
  for (const root of [...new Set(writable)]) args.push("--add-dir", root);
  return args;
}
