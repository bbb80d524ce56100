/** The exact command lines, environments and stdin of every agent launch that matters. */
import { describe, expect, it } from "vitest";
import { agentAdapter } from "../../../src/adapters/agents/index.ts";
import type { AgentAdapterKind, LaunchInput } from "../../../src/adapters/agents/index.ts";
import type { PermissionMode } from "../../../src/core/plan/schema.ts";
import { FluxError } from "../../../src/core/errors.ts";
import { launchInput, stage } from "./helpers.ts";

const SETTINGS = "/repo/.work/sessions/ses_1/claude-settings.json";
const PROMPT = { file: "/repo/.work/signals/ses_1.md" };
const CLAUDE = [
  "claude",
  "-p",
  "--output-format",
  "stream-json",
  "--verbose",
  "--settings",
  SETTINGS,
];
const GIT = { dir: "/repo/.git/worktrees/s1", commonDir: "/repo/.git" };

interface Case {
  agent: AgentAdapterKind;
  mode: PermissionMode;
  model?: string;
  maxTurns?: number;
  root?: boolean;
  argv: string[];
}

const launch = (c: Case, over: Partial<LaunchInput> = {}) =>
  agentAdapter(c.agent).launch(
    launchInput({
      stage: stage({
        agent: c.agent,
        permission_mode: c.mode,
        ...(c.model === undefined ? {} : { model: c.model }),
        ...(c.maxTurns === undefined ? {} : { max_turns: c.maxTurns }),
      }),
      isRoot: c.root ?? false,
      ...over,
    }),
  );

describe("argv", () => {
  const cases: Case[] = [
    {
      agent: "claude",
      mode: "bypass",
      argv: [...CLAUDE, "--permission-mode", "bypassPermissions"],
    },
    {
      agent: "claude",
      mode: "bypass",
      root: true,
      model: "claude-sonnet-4-5",
      maxTurns: 30,
      argv: [
        ...CLAUDE,
        "--model",
        "claude-sonnet-4-5",
        "--permission-mode",
        "bypassPermissions",
        "--max-turns",
        "30",
      ],
    },
    { agent: "claude", mode: "edits", argv: [...CLAUDE, "--permission-mode", "acceptEdits"] },
    {
      agent: "claude",
      mode: "edits",
      model: "opus",
      argv: [...CLAUDE, "--model", "opus", "--permission-mode", "acceptEdits"],
    },
    { agent: "claude", mode: "ask", argv: [...CLAUDE, "--permission-mode", "default"] },
    {
      agent: "claude",
      mode: "ask",
      maxTurns: 5,
      root: true,
      argv: [...CLAUDE, "--permission-mode", "default", "--max-turns", "5"],
    },
    {
      agent: "codex",
      mode: "bypass",
      argv: ["codex", "exec", "--json", "--dangerously-bypass-approvals-and-sandbox"],
    },
    {
      agent: "codex",
      mode: "bypass",
      model: "gpt-5-codex",
      root: true,
      argv: [
        "codex",
        "exec",
        "--json",
        "--model",
        "gpt-5-codex",
        "--dangerously-bypass-approvals-and-sandbox",
      ],
    },
    {
      agent: "codex",
      mode: "edits",
      argv: [
        "codex",
        "exec",
        "--json",
        "--sandbox",
        "workspace-write",
        "-c",
        "sandbox_workspace_write.network_access=true",
      ],
    },
    {
      agent: "codex",
      mode: "ask",
      model: "gpt-5",
      argv: ["codex", "exec", "--json", "--model", "gpt-5"],
    },
    { agent: "opencode", mode: "bypass", argv: ["opencode", "run", "--format", "json"] },
    {
      agent: "opencode",
      mode: "edits",
      model: "anthropic/claude-sonnet-4-5",
      maxTurns: 9,
      root: true,
      argv: ["opencode", "run", "--format", "json", "--model", "anthropic/claude-sonnet-4-5"],
    },
    { agent: "opencode", mode: "ask", argv: ["opencode", "run", "--format", "json"] },
  ];

  it.each(cases)("$agent $mode model=$model max_turns=$maxTurns root=$root", (c) => {
    const result = launch(c);
    expect(result.argv).toEqual(c.argv);
    // The prompt is never in argv: it travels on stdin from the signal file.
    expect(result.stdin).toEqual(PROMPT);
    expect(result.tty).toBeUndefined();
  });
});

describe("claude", () => {
  const bypass: Case = { agent: "claude", mode: "bypass", argv: [] };
  const ENV_FILE = "/repo/.work/sessions/ses_1/claude-env.sh";

  it("bounds API retries and keeps the binary from updating itself mid-run", () => {
    const result = launch(bypass);
    expect(result.env).toEqual({
      CLAUDE_CODE_MAX_RETRIES: "2",
      CLAUDE_ENV_FILE: ENV_FILE,
      DISABLE_AUTOUPDATER: "1",
    });
    expect(result.notices).toEqual([]);
    expect(result.output).toBe("claude-stream-json");
  });

  it("as root with bypass sets IS_SANDBOX=1 and says so", () => {
    const result = launch({ ...bypass, root: true });
    expect(result.env).toEqual({
      CLAUDE_CODE_MAX_RETRIES: "2",
      CLAUDE_ENV_FILE: ENV_FILE,
      DISABLE_AUTOUPDATER: "1",
      IS_SANDBOX: "1",
    });
    expect(result.notices).toEqual([
      "running as root with permission_mode bypass: Flux sets IS_SANDBOX=1 for Claude Code, which otherwise refuses to bypass permissions as root",
    ]);
  });

  it("as root without bypass needs no sandbox flag, and warns that prompts are denied", () => {
    const result = launch({ agent: "claude", mode: "edits", root: true, argv: [] });
    expect(result.env).toEqual({
      CLAUDE_CODE_MAX_RETRIES: "2",
      CLAUDE_ENV_FILE: ENV_FILE,
      DISABLE_AUTOUPDATER: "1",
    });
    expect(result.notices).toEqual([
      "stage s1: Claude runs headless with permission_mode edits; nothing can answer its permission prompts, so tools needing approval are denied (flux and git add/commit are allowed)",
    ]);
  });

  it("leaves retry and updater settings the user chose", () => {
    const env = { CLAUDE_CODE_MAX_RETRIES: "9", DISABLE_AUTOUPDATER: "0", FLUX_WORK_DIR: "/w" };
    expect(launch(bypass, { env }).env).toEqual({ CLAUDE_ENV_FILE: ENV_FILE });
    expect(launch(bypass, { apiMaxRetries: 0 }).env.CLAUDE_CODE_MAX_RETRIES).toBe("0");
  });

  it("writes a minimal settings file: Flux's commands allowed, the work dir readable", () => {
    const [file, gate, envFile, ...rest] = launch(bypass).files;
    expect(rest).toEqual([]);
    // Sourced before each Bash command: flux stays on PATH when Claude falls back to a login shell.
    expect(envFile).toEqual({
      path: ENV_FILE,
      content:
        "# Written by Flux: sourced by Claude Code before each Bash command.\n" +
        'export PATH=/repo/.work/bin:"$PATH"\n',
      mode: 0o600,
    });
    const own = launch(bypass, {
      env: { FLUX_WORK_DIR: "/repo/.work", CLAUDE_ENV_FILE: "/u/env.sh" },
    });
    expect(own.files[2]?.content).toContain("[ -r /u/env.sh ] && . /u/env.sh\n");
    expect(file?.path).toBe(SETTINGS);
    expect(file?.mode).toBe(0o600);
    // The context gate around each tool call (context-gate.test.ts runs it).
    expect(gate).toMatchObject({ path: "/repo/.work/sessions/ses_1/context-gate.sh", mode: 0o700 });
    const gateHook = (phase: string) => [
      { matcher: "*", hooks: [{ type: "command", command: `sh /repo/.work/sessions/ses_1/context-gate.sh ${phase}`, timeout: 30 }] },
    ]; // prettier-ignore
    const call = (...args: string[]) => ({
      type: "command",
      command: ["/repo/.work/bin/flux", "hook", ...args].join(" "),
      timeout: 30,
    });
    expect(JSON.parse(file?.content ?? "")).toEqual({
      hooks: {
        PreToolUse: gateHook("pre"),
        PostToolUse: gateHook("post"),
        PreCompact: [{ hooks: [call("pre-compact")] }],
        SessionStart: [
          {
            matcher: "compact|resume",
            hooks: [call("session-start", "/repo/.work/signals/ses_1.md")],
          },
        ],
      },
      permissions: {
        allow: [
          "Bash(flux:*)",
          "Bash(git status:*)",
          "Bash(git diff:*)",
          "Bash(git log:*)",
          "Bash(git add:*)",
          "Bash(git commit:*)",
        ],
        additionalDirectories: ["/repo/.work"],
      },
    });
  });
});

describe("codex", () => {
  it("adds nothing to the environment: the user's Codex config is used as is", () => {
    const result = launch({ agent: "codex", mode: "bypass", argv: [] });
    expect(result.env).toEqual({});
    expect(result.files).toEqual([]);
    expect(result.notices).toEqual([]);
    expect(result.output).toBe("codex-json");
  });

  it("makes the git dirs writable in workspace-write so the agent can commit", () => {
    const result = launch({ agent: "codex", mode: "edits", argv: [] }, { git: GIT });
    expect(result.argv).toEqual([
      "codex", "exec", "--json",
      "--sandbox", "workspace-write", "-c", "sandbox_workspace_write.network_access=true",
      "--add-dir", "/repo/.git/worktrees/s1",
      "--add-dir", "/repo/.git/objects",
      "--add-dir", "/repo/.git/refs",
      "--add-dir", "/repo/.git/logs",
    ]); // prettier-ignore
    expect(result.notices).toEqual([]);
  });

  it("warns when it cannot make commits possible, or cannot honour max_turns", () => {
    const result = launch({ agent: "codex", mode: "edits", maxTurns: 3, argv: [] });
    expect(result.notices).toEqual([
      "stage s1: Codex's workspace-write sandbox keeps the repository's .git read-only, so the agent cannot commit; use permission_mode bypass for Codex",
      "stage s1: Codex has no turn limit; max_turns is ignored",
    ]);
    expect(launch({ agent: "codex", mode: "ask", argv: [] }).notices).toHaveLength(1);
  });

  it("refuses interactive mode, with a hint", () => {
    for (const agent of ["codex", "opencode"] as const) {
      const input = launchInput({ stage: stage({ agent, mode: "interactive" }) });
      try {
        agentAdapter(agent).launch(input);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(FluxError);
        const e = error as FluxError;
        expect(e.code).toBe("AGENT_MODE_UNSUPPORTED");
        expect(e.message).toBe(`stage s1: ${agent} does not support interactive mode yet`);
        expect(e.hint).toBe("set `mode: headless` on s1 (or in the plan's defaults)");
      }
    }
  });
});

describe("opencode", () => {
  const config = (c: Case, over: Partial<LaunchInput> = {}): unknown =>
    JSON.parse(launch(c, over).env.OPENCODE_CONFIG_CONTENT ?? "");
  const protocol = {
    "*": "ask",
    flux: "allow",
    "flux *": "allow",
    "git status": "allow",
    "git status *": "allow",
    "git diff": "allow",
    "git diff *": "allow",
    "git log": "allow",
    "git log *": "allow",
    "git add": "allow",
    "git add *": "allow",
    "git commit": "allow",
    "git commit *": "allow",
  };

  it("passes permissions in OPENCODE_CONFIG_CONTENT and turns the updater off", () => {
    const result = launch({ agent: "opencode", mode: "bypass", argv: [] });
    expect(result.env).toEqual({
      OPENCODE_CONFIG_CONTENT: '{"permission":"allow"}',
      OPENCODE_DISABLE_AUTOUPDATE: "true",
    });
    expect(result.notices).toEqual([]);
    expect(result.output).toBe("opencode-json");
  });

  it("maps edits and ask, allowing Flux's own commands by pattern", () => {
    expect(config({ agent: "opencode", mode: "edits", argv: [] })).toEqual({
      permission: { edit: "allow", bash: protocol, webfetch: "ask" },
    });
    expect(config({ agent: "opencode", mode: "ask", argv: [] })).toEqual({
      permission: { edit: "ask", bash: protocol, webfetch: "ask" },
    });
  });

  it("keeps the user's own OPENCODE_CONFIG_CONTENT under Flux's permissions", () => {
    const env = {
      OPENCODE_CONFIG_CONTENT: '{"model":"x/y","permission":{"read":"deny","bash":"allow"}}',
      OPENCODE_DISABLE_AUTOUPDATE: "false",
    };
    const c: Case = { agent: "opencode", mode: "edits", argv: [] };
    expect(config(c, { env })).toEqual({
      model: "x/y",
      permission: { read: "deny", edit: "allow", bash: protocol, webfetch: "ask" },
    });
    expect(launch(c, { env }).env.OPENCODE_DISABLE_AUTOUPDATE).toBeUndefined();
    expect(config({ ...c, mode: "bypass" }, { env })).toEqual({
      model: "x/y",
      permission: "allow",
    });
    expect(() => launch(c, { env: { OPENCODE_CONFIG_CONTENT: "[1]" } })).toThrow(
      expect.objectContaining({ code: "AGENT_CONFIG_INVALID" }),
    );
  });

  it("refuses a model without its provider", () => {
    expect(() => launch({ agent: "opencode", mode: "bypass", model: "gpt-5", argv: [] })).toThrow(
      expect.objectContaining({ code: "AGENT_MODEL_INVALID" }),
    );
  });

  it("warns about max_turns and about tools it will reject", () => {
    const result = launch({ agent: "opencode", mode: "ask", maxTurns: 4, argv: [] });
    expect(result.notices).toEqual([
      "stage s1: opencode run has no turn limit; max_turns is ignored",
      "stage s1: opencode runs headless with permission_mode ask; it auto-rejects every tool call that would ask, and a rejection ends its run (flux and git add/commit are allowed)",
    ]);
  });
});
