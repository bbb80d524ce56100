/**
 * Claude Code's TUI launch: pinned argv, settings and hooks; the workspace trust written into
 * the user's config; telemetry from a real transcript. The real TUI run by Flux is in
 * test/e2e/interactive.test.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  CLAUDE_KICKOFF,
  agentAdapter,
  claudeConfigFile,
  claudeTranscriptTelemetry,
  ensureWorkspaceTrust,
  isTrusted,
  withWorkspaceTrust,
} from "../../../src/adapters/agents/index.ts";
import { tempDir } from "../../kit/temp-repo.ts";
import { fixture, launchInput, stage } from "./helpers.ts";

const SETTINGS = "/repo/.work/sessions/ses_1/claude-settings.json";
const SIGNAL = "/repo/.work/signals/ses_1.md";
const FLUX = "/repo/.work/bin/flux";
const ACTIVE = `if [ -e /repo/.work/sessions/ses_1/waiting ]; then ${FLUX} hook active; fi`;

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
    expect(launch.env).toEqual({
      CLAUDE_CODE_MAX_RETRIES: "2",
      CLAUDE_ENV_FILE: "/repo/.work/sessions/ses_1/claude-env.sh",
      DISABLE_AUTOUPDATER: "1",
    });
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

  it("settings: every hook calls the session's flux; the active hooks only when it waits", () => {
    const settings = (mode: "bypass" | "edits") =>
      JSON.parse(interactive({ permission_mode: mode }).files[0]?.content ?? "") as Record<
        string,
        unknown
      >;
    const call = (command: string) => ({ type: "command", command, timeout: 30 });
    const gate = (phase: string) => ({
      matcher: "*",
      hooks: [call(`sh /repo/.work/sessions/ses_1/context-gate.sh ${phase}`)],
    });
    const hooks = {
      SessionStart: [
        { matcher: "startup", hooks: [call(`${FLUX} hook session-start ${SIGNAL}`)] },
        { matcher: "compact|resume", hooks: [call(`${FLUX} hook session-start ${SIGNAL}`)] },
      ],
      Stop: [{ hooks: [call(`${FLUX} hook stop`)] }],
      StopFailure: [{ hooks: [call(`${FLUX} hook stop-failure`)] }],
      PermissionRequest: [{ matcher: "*", hooks: [call(`${FLUX} hook permission-request`)] }],
      Notification: [{ hooks: [call(`${FLUX} hook notification`)] }],
      PreToolUse: [gate("pre")],
      PostToolUse: [{ matcher: "*", hooks: [call(ACTIVE)] }, gate("post")],
      PreCompact: [{ hooks: [call(`${FLUX} hook pre-compact`)] }],
      UserPromptSubmit: [
        {
          hooks: [
            call(ACTIVE),
            call(
              `if [ -e /repo/.work/sessions/ses_1/context-watch ]; then ${FLUX} hook context prompt; fi`,
            ),
          ],
        },
      ],
    };
    expect(settings("bypass")).toMatchObject({ hooks, skipDangerousModePermissionPrompt: true });
    expect(settings("edits").hooks).toEqual(hooks);
    expect(settings("edits").skipDangerousModePermissionPrompt).toBeUndefined();
    expect(settings("edits").permissions).toMatchObject({ allow: expect.any(Array) as unknown });
  });

  it("asks for the worktrees' parent to be trusted in the config Claude reads", () => {
    const withEnv = (env: Record<string, string>) =>
      agentAdapter("claude").launch(
        launchInput({ stage: stage({ agent: "claude", mode: "interactive" }), env }),
      ).trust;
    expect(withEnv({ HOME: "/home/u" })).toEqual({
      configFile: "/home/u/.claude.json",
      dir: "/repo/.worktrees",
    });
    expect(withEnv({ HOME: "/home/u", CLAUDE_CONFIG_DIR: "/cfg" })?.configFile).toBe(
      "/cfg/.claude.json",
    );
    expect(claudeConfigFile({})).toMatch(/\/\.claude\.json$/);
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

describe("workspace trust in the user's Claude config", () => {
  const setup = (content?: string, mode = 0o644) => {
    const dir = tempDir("flux-trust-");
    const configFile = path.join(dir, ".claude.json");
    if (content !== undefined) fs.writeFileSync(configFile, content, { mode });
    return { dir, configFile, [Symbol.dispose]: () => fs.rmSync(dir, { recursive: true }) };
  };

  it("is recorded once, atomically, keeping every other key and the file's mode", () => {
    using t = setup(JSON.stringify({ theme: "dark", projects: { "/a": { x: 1 } } }), 0o640);
    expect(ensureWorkspaceTrust({ configFile: t.configFile, dir: "/repo/.worktrees" })).toEqual({
      outcome: "recorded",
    });
    expect(JSON.parse(fs.readFileSync(t.configFile, "utf8"))).toEqual({
      theme: "dark",
      projects: { "/a": { x: 1 }, "/repo/.worktrees": { hasTrustDialogAccepted: true } },
    });
    expect(fs.statSync(t.configFile).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(t.dir)).toEqual([".claude.json"]); // no temporary file left
    const before = fs.readFileSync(t.configFile, "utf8");
    expect(ensureWorkspaceTrust({ configFile: t.configFile, dir: "/repo/.worktrees" })).toEqual({
      outcome: "trusted",
    });
    expect(fs.readFileSync(t.configFile, "utf8")).toBe(before);
  });

  it("counts a trusted parent; creates a missing config (0600)", () => {
    expect(
      isTrusted({ projects: { "/repo": { hasTrustDialogAccepted: true } } }, "/repo/.worktrees"),
    ).toBe(true);
    expect(isTrusted({ projects: { "/repo/x": { hasTrustDialogAccepted: true } } }, "/repo")).toBe(
      false,
    );
    expect(isTrusted({ projects: { "/repo": { hasTrustDialogAccepted: false } } }, "/repo")).toBe(
      false,
    );
    using t = setup();
    const configFile = path.join(t.dir, "sub", ".claude.json");
    expect(ensureWorkspaceTrust({ configFile, dir: "/w" }).outcome).toBe("recorded");
    expect(fs.statSync(configFile).mode & 0o777).toBe(0o600);
  });

  it("leaves a config it cannot read alone, and says why", () => {
    using t = setup("{ not json");
    const outcome = ensureWorkspaceTrust({ configFile: t.configFile, dir: "/w" });
    expect(outcome).toMatchObject({
      outcome: "failed",
      reason: expect.stringMatching(/^it is not valid JSON/) as unknown,
    });
    expect(fs.readFileSync(t.configFile, "utf8")).toBe("{ not json");
    using u = setup("[1]");
    expect(ensureWorkspaceTrust({ configFile: u.configFile, dir: "/w" })).toEqual({
      outcome: "failed",
      reason: "it is not a JSON object",
    });
  });
});

describe("telemetry from a Claude transcript", () => {
  const sample = fixture("claude-transcript-sample.jsonl").join("\n");

  it("counts each message once, takes the context after the compaction, estimates the cost", () => {
    const t = claudeTranscriptTelemetry(sample);
    expect(t.agentSessionId).toBe("282a34ea-2682-48f2-a1e1-e22704843e9a");
    expect(t.model).toBe("claude-opus-4-8");
    expect(t.usage).toEqual({
      inputTokens: 40,
      outputTokens: 95,
      cacheCreationTokens: 15000 + 500 + 500 + 200,
      cacheReadTokens: 15000 + 15500 + 16000,
    });
    expect(t.contextTokens).toBe(650);
    expect(t.costEstimated).toBe(true);
    expect(t.costUsd).toBeGreaterThan(0);
    expect(t.result).toBeUndefined();
  });

  it("classifies the API error of a last synthetic message; skips sidechains", () => {
    const assistant = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ type: "assistant", sessionId: "s", message, ...extra });
    const text = [
      assistant({
        id: "m1",
        model: "claude-sonnet-4-5",
        usage: { input_tokens: 100, output_tokens: 5 },
      }),
      assistant(
        { id: "m2", model: "claude-haiku", usage: { input_tokens: 999 } },
        { isSidechain: true },
      ),
      assistant(
        {
          model: "<synthetic>",
          content: [
            { type: "text", text: "API Error: Request rejected (429) · Too many requests" },
          ],
        },
        { error: "rate_limit" },
      ),
    ].join("\n");
    const t = claudeTranscriptTelemetry(text);
    expect(t).toMatchObject({
      model: "claude-sonnet-4-5",
      contextTokens: 100,
      turns: 1,
      result: "error",
      errorClass: "rate_limit",
      errorMessage: "API Error: Request rejected (429) · Too many requests",
    });
    expect(t.usage.inputTokens).toBe(1099);
  });
});
