/**
 * `flux doctor`: what this machine has for Flux — tools and their versions here, the agents'
 * credentials, `.work/`, the daemon, SQLite and the library in doctor-checks.ts — what is
 * missing, and the command that fixes each problem.
 */
import path from "node:path";
import { ExitCode } from "../../core/errors.ts";
import { MIN_GIT_VERSION, MIN_TMUX_VERSION } from "../../core/requirements.ts";
import { packageRoot } from "../../engine/signal-templates.ts";
import { atLeast, parseVersion, probeTool } from "../../adapters/system/tools.ts";
import type { CommandContext } from "../main.ts";
import { json, pad, paint } from "../output.ts";
import { runChecks } from "./doctor-checks.ts";

export interface Finding {
  name: string;
  /** required: Flux cannot work without it; optional: one feature needs it. */
  need: "required" | "optional";
  status: "ok" | "missing" | "outdated";
  version: string | null;
  minimum: string;
  purpose: string;
  fix?: string;
}

interface Requirement {
  name: string;
  need: Finding["need"];
  minimum: number[];
  purpose: string;
  fix: string;
  probe: () => string | undefined;
}

function requirements(env: NodeJS.ProcessEnv): Requirement[] {
  // Agent CLIs are found on PATH, or among flux's own dependencies (as sessions find them).
  const bundled = path.join(packageRoot(), "node_modules", ".bin");
  const tool =
    (cmd: string, ...args: string[]) =>
    () =>
      probeTool(cmd, args, env).version ??
      (["claude", "codex", "opencode"].includes(cmd)
        ? probeTool(path.join(bundled, cmd), args, env).version
        : undefined);
  return [
    {
      name: "node",
      need: "required",
      minimum: [20, 19, 0],
      purpose: "runs flux",
      fix: "install Node.js 20.19 or newer",
      probe: () => process.version,
    },
    {
      name: "git",
      need: "required",
      minimum: parseVersion(MIN_GIT_VERSION) ?? [],
      purpose: `worktrees, branches, merges (merge-tree --write-tree needs ${MIN_GIT_VERSION})`,
      fix: `apt-get install git (${MIN_GIT_VERSION} or newer)`,
      probe: tool("git", "--version"),
    },
    {
      name: "tmux",
      need: "optional",
      minimum: parseVersion(MIN_TMUX_VERSION) ?? [],
      purpose: "sessions you can attach to (without it: detached processes)",
      fix: "apt-get install tmux",
      probe: tool("tmux", "-V"),
    },
    {
      name: "claude",
      need: "optional",
      minimum: [2, 1, 0],
      purpose: "the claude agent (Claude Code)",
      fix: "npm install -g @anthropic-ai/claude-code",
      probe: tool("claude", "--version"),
    },
    {
      name: "codex",
      need: "optional",
      minimum: [0, 169, 0],
      purpose: "the codex agent",
      fix: "npm install -g @openai/codex",
      probe: tool("codex", "--version"),
    },
    {
      name: "opencode",
      need: "optional",
      minimum: [1, 0, 0],
      purpose: "the opencode agent",
      fix: "npm install -g opencode-ai",
      probe: tool("opencode", "--version"),
    },
  ];
}

export function diagnose(env: NodeJS.ProcessEnv): Finding[] {
  return requirements(env).map((r) => {
    const line = r.probe();
    const minimum = r.minimum.join(".");
    if (line === undefined)
      return {
        name: r.name,
        need: r.need,
        status: "missing",
        version: null,
        minimum,
        purpose: r.purpose,
        fix: r.fix,
      };
    const parsed = parseVersion(line);
    const status = parsed === undefined || atLeast(parsed, r.minimum) ? "ok" : "outdated";
    return {
      name: r.name,
      need: r.need,
      status,
      version: parsed?.join(".") ?? line,
      minimum,
      purpose: r.purpose,
      ...(status === "ok" ? {} : { fix: r.fix }),
    };
  });
}

export async function doctor(ctx: CommandContext, opts: { json?: boolean }): Promise<number> {
  const findings = diagnose(ctx.env);
  const missing = new Set(findings.filter((f) => f.status === "missing").map((f) => f.name));
  // An agent CLI that is not installed has no credentials or first-run state to check.
  const checks = (await runChecks(ctx.cwd, ctx.env)).map((c) =>
    missing.has(c.name.split(" ")[0] ?? "") && !c.name.endsWith(" library")
      ? { ...c, status: "skipped" as const, detail: "not installed" }
      : c,
  );
  const ok =
    findings.every((f) => f.need === "optional" || f.status === "ok") &&
    checks.every((c) => c.need === "optional" || c.status !== "problem");
  if (opts.json === true) {
    ctx.output.out(json({ ok, findings, checks }));
  } else {
    const c = ctx.output.color;
    for (const f of findings) {
      const mark =
        f.status === "ok"
          ? paint(c, "green", "✓")
          : f.need === "required"
            ? paint(c, "red", "✗")
            : paint(c, "yellow", "!");
      const version = f.version ?? paint(c, "dim", f.status);
      ctx.output.out(`${mark} ${pad(f.name, 10)}${pad(version, 12)}${paint(c, "dim", f.purpose)}`);
      if (f.fix !== undefined)
        ctx.output.out(`    ${f.status === "outdated" ? `needs ${f.minimum}+: ` : ""}${f.fix}`);
    }
    for (const k of checks) {
      const mark =
        k.status === "ok"
          ? paint(c, "green", "✓")
          : k.status === "skipped"
            ? paint(c, "dim", "-")
            : k.need === "required"
              ? paint(c, "red", "✗")
              : paint(c, "yellow", "!");
      ctx.output.out(`${mark} ${pad(k.name, 16)}${paint(c, "dim", k.detail)}`);
      if (k.fix !== undefined && k.status === "problem") ctx.output.out(`    ${k.fix}`);
    }
    ctx.output.out(
      ok
        ? "Flux can run here."
        : "Flux cannot run here until the required problems above (✗) are fixed.",
    );
  }
  return ok ? ExitCode.ok : ExitCode.checkFailed;
}
