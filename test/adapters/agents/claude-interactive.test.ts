/** Claude Code's TUI launch: pinned argv and settings, then the real TUI in a private tmux. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  CLAUDE_KICKOFF,
  agentAdapter,
  resolveAgentBinary,
  withWorkspaceTrust,
} from "../../../src/adapters/agents/index.ts";
import { shellQuote } from "../../../src/core/shell.ts";
import { cliHome, fakeModel } from "../../kit/model.ts";
import { tempDir, tempRepo } from "../../kit/temp-repo.ts";
import { privateTmux, waitFor, waitForText } from "../../kit/tmux.ts";
import { launchInput, stage } from "./helpers.ts";

const SETTINGS = "/repo/.work/sessions/ses_1/claude-settings.json";
const HOOK =
  `node -e 'const fs=require("fs");process.stdout.write(JSON.stringify({hookSpecificOutput:{hookEventName:"SessionStart",additionalContext:fs.readFileSync(process.argv[1],"utf8")}}))' ` +
  "/repo/.work/signals/ses_1.md";

const interactive = (spec: Parameters<typeof stage>[0], isRoot = false) =>
  agentAdapter("claude").launch(
    launchInput({ stage: stage({ agent: "claude", mode: "interactive", ...spec }), isRoot }),
  );

describe("claude interactive launch", () => {
  it("is Claude's default: the TUI with the agent's own permission mode and a short kickoff", () => {
    const launch = agentAdapter("claude").launch(
      launchInput({ stage: stage({ agent: "claude", mode: undefined }) }),
    );
    expect(launch.argv).toEqual([
      "claude", "--settings", SETTINGS, "--permission-mode", "default", CLAUDE_KICKOFF,
    ]); // prettier-ignore
    expect(launch.stdin).toBe("inherit");
    expect(launch.output).toBe("text");
    expect(launch.tty).toBe(true);
    expect(launch.env).toEqual({ CLAUDE_CODE_MAX_RETRIES: "2", DISABLE_AUTOUPDATER: "1" });
    expect(launch.notices).toEqual([]);
  });

  it("model, bypass as root, max_turns (headless only)", () => {
    const launch = interactive({ model: "sonnet", permission_mode: "bypass", max_turns: 3 }, true);
    expect(launch.argv).toEqual([
      "claude", "--settings", SETTINGS, "--model", "sonnet",
      "--permission-mode", "bypassPermissions", CLAUDE_KICKOFF,
    ]); // prettier-ignore
    expect(launch.env.IS_SANDBOX).toBe("1");
    expect(launch.notices).toEqual([
      "running as root with permission_mode bypass: Flux sets IS_SANDBOX=1 for Claude Code, which otherwise refuses to bypass permissions as root",
      "stage s1: max_turns only limits headless Claude sessions; ignored",
    ]);
  });

  it("settings: the signal through a startup-only SessionStart hook; no bypass dialog", () => {
    const settings = (mode: "bypass" | "edits") =>
      JSON.parse(interactive({ permission_mode: mode }).files[0]?.content ?? "") as Record<
        string,
        unknown
      >;
    const hooks = {
      SessionStart: [{ matcher: "startup", hooks: [{ type: "command", command: HOOK }] }],
    };
    expect(settings("bypass")).toMatchObject({ hooks, skipDangerousModePermissionPrompt: true });
    expect(settings("edits").hooks).toEqual(hooks);
    expect(settings("edits").skipDangerousModePermissionPrompt).toBeUndefined();
    expect(settings("edits").permissions).toMatchObject({ allow: expect.any(Array) as unknown });
  });

  it("trusts a directory in the user's Claude config and keeps the rest", () => {
    const config = {
      theme: "dark",
      projects: { "/a": { allowedTools: ["x"] }, "/w": { lastCost: 1 } },
    };
    expect(withWorkspaceTrust(config, "/w")).toEqual({
      theme: "dark",
      projects: {
        "/a": { allowedTools: ["x"] },
        "/w": { lastCost: 1, hasTrustDialogAccepted: true },
      },
    });
    expect(withWorkspaceTrust({}, "/w")).toEqual({
      projects: { "/w": { hasTrustDialogAccepted: true } },
    });
  });
});

/**
 * A TUI does not exit by itself, and Claude's starts helpers (a plugin marketplace clone) that
 * write into its config dir: end the pane's whole process group before the dirs are removed.
 */
async function endPane(pid: string): Promise<void> {
  const group = -Number(pid.trim());
  process.kill(group, "SIGKILL");
  await waitFor(() => {
    try {
      process.kill(group, 0);
      return false;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ESRCH") return true;
      throw error;
    }
  });
}

describe("claude TUI in tmux", () => {
  it("starts on its own and works from the signal given by the hook", async () => {
    await using repo = await tempRepo();
    const worktrees = path.join(repo.dir, ".worktrees");
    const worktree = path.join(worktrees, "s1");
    repo.git("worktree", "add", "-q", "-b", "flux/s1", worktree);
    await using model = await fakeModel([{ text: "Interactive reply from the model." }]);
    await using home = cliHome("claude", model);
    await using tmux = privateTmux();
    const work = tempDir("flux-session-");
    try {
      // A user's config: onboarded and key approved, but no bypass acceptance and no trust yet.
      const configFile = path.join(String(home.env.CLAUDE_CONFIG_DIR), ".claude.json");
      const config = JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, unknown>;
      delete config.bypassPermissionsModeAccepted;
      delete config.projects;
      fs.writeFileSync(configFile, JSON.stringify(withWorkspaceTrust(config, worktrees)));

      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(home.env)) if (v !== undefined) env[k] = v;
      delete env.IS_SANDBOX;
      const signal = path.join(work, "signal.md");
      fs.writeFileSync(signal, "FLUX-SIGNAL: you are stage s1; say hello.\n");
      const launch = agentAdapter("claude").launch(
        launchInput({
          stage: stage({ agent: "claude", mode: "interactive", permission_mode: "bypass" }),
          promptFile: signal,
          sessionDir: path.join(work, "session"),
          worktree,
          env,
          isRoot: process.getuid?.() === 0,
          apiMaxRetries: 0,
        }),
      );
      for (const file of launch.files) {
        fs.mkdirSync(path.dirname(file.path), { recursive: true });
        fs.writeFileSync(file.path, file.content, { mode: file.mode });
      }
      // tmux refuses long commands: the pane runs a script holding the environment and argv.
      const projectBin = path.resolve(import.meta.dirname, "../../../node_modules/.bin");
      const [name = "", ...args] = launch.argv;
      const binary = resolveAgentBinary(name, { env: {}, projectBin });
      const script = path.join(work, "start.sh");
      const exports = Object.entries({ ...env, ...launch.env })
        .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
        .map(([k, v]) => `export ${k}=${shellQuote(v)}`);
      const exec = `exec ${[binary, ...args].map(shellQuote).join(" ")}`;
      fs.writeFileSync(script, `#!/bin/sh\n${exports.join("\n")}\n${exec}\n`, { mode: 0o700 });
      tmux.tmux(
        "new-session",
        "-d",
        "-s",
        "flux-s1",
        "-x",
        "160",
        "-y",
        "50",
        "-c",
        worktree,
        script,
      );

      const first = await model.waitForRequest(
        (r) => r.api === "anthropic" && JSON.stringify(r.body).includes("FLUX-SIGNAL"),
        30_000,
      );
      expect(JSON.stringify(first.body)).toContain(CLAUDE_KICKOFF);
      await waitForText(tmux.backend, "flux-s1", "Interactive reply from the model.", {
        timeoutMs: 30_000,
      });
      await endPane(tmux.tmux("display-message", "-p", "-t", "flux-s1", "#{pane_pid}"));
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
