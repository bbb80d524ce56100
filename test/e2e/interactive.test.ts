/**
 * Interactive Claude Code: the real TUI in the session's tmux pane, against the scripted fake
 * model. Flux gives it the signal through its SessionStart hook, keeps it working with its Stop
 * hook, shows a permission prompt as "waiting for input", and ends it once its stage completes.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { engineRepo } from "../kit/engine-repo.ts";
import type { EngineRepo } from "../kit/engine-repo.ts";
import { cliEnv, fakeModel } from "../kit/model.ts";
import { tempDir } from "../kit/temp-repo.ts";
import { waitFor } from "../kit/tmux.ts";

interface SessionRow {
  id: string;
  status: string;
  interactive: number;
  waiting_for: string | null;
  exit_code: number | null;
  input_tokens: number;
  cost_usd: number | null;
  cost_estimated: number;
  agent_session_id: string | null;
}

const sessionsOf = (repo: EngineRepo, stage: string) =>
  repo.db<SessionRow>("SELECT * FROM sessions WHERE stage_id = ? ORDER BY created_at", stage);

/** A user's Claude config as cliEnv writes it, minus any trust entry: Flux must add its own. */
function untrustedClaude(model: { url: string }, homes: string): Record<string, string> {
  const env = cliEnv("claude", model, { root: homes }) as Record<string, string>;
  const file = path.join(env.CLAUDE_CONFIG_DIR ?? "", ".claude.json");
  const config = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify({ ...config, projects: {} }));
  return env;
}

describe("interactive Claude Code", () => {
  it("completes a stage: the signal by SessionStart, a Stop reminder, verified, merged, the TUI ended", async () => {
    await using model = await fakeModel({
      scripts: {
        s1: [
          { text: "I believe that is everything." },
          // After the Stop hook's reminder.
          { text: "Writing it.", write: { path: "hello.txt", content: "hello\n" } },
          { shell: `git add hello.txt && git commit -q -m "Add hello"` },
          { shell: "flux stage complete" },
          { end: true, text: "s1 is done." },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    const env = untrustedClaude(model, homes);
    await using repo = await engineRepo({
      defaultsYaml: "    agent: claude\n",
      stagesYaml: `    - id: s1\n      description: "Write hello.txt. [[script:s1]]"\n      permission_mode: bypass\n      acceptance: ["test -f hello.txt"]\n`,
      env,
    });
    try {
      const run = await repo.ok(["run"]);
      expect(repo.state("s1")).toBe("merged");
      expect(fs.readFileSync(path.join(repo.dir, "hello.txt"), "utf8")).toBe("hello\n");

      // The TUI got its assignment through the hook, not argv, and was sent back once.
      const bodies = model.requests().map((r) => JSON.stringify(r.body));
      expect(bodies.some((b) => b.includes("Write hello.txt."))).toBe(true);
      expect(bodies.some((b) => b.includes("reminder 1 of 3"))).toBe(true);

      // Flux recorded the worktrees' trust in the user's config (Claude rewrites that file
      // itself; test/adapters/agents/claude-interactive.test.ts shows Flux keeps every key).
      const config = JSON.parse(
        fs.readFileSync(path.join(env.CLAUDE_CONFIG_DIR ?? "", ".claude.json"), "utf8"),
      ) as {
        hasCompletedOnboarding: boolean;
        projects: Record<string, { hasTrustDialogAccepted?: boolean }>;
      };
      expect(config.hasCompletedOnboarding).toBe(true);
      const worktrees = fs.realpathSync(path.join(repo.dir, ".worktrees"));
      expect(config.projects[worktrees]?.hasTrustDialogAccepted).toBe(true);
      expect(run.stdout).toContain(`Claude Code trusts ${worktrees} now`);

      // Flux ended the TUI (SIGTERM: 143) once the stage moved on; telemetry from the transcript.
      const [session] = sessionsOf(repo, "s1");
      expect(session).toMatchObject({ status: "exited", interactive: 1, exit_code: 143 });
      expect(session?.input_tokens).toBeGreaterThan(0);
      expect(session?.cost_estimated).toBe(1);
      expect(session?.agent_session_id).toMatch(/^[0-9a-f-]{36}$/);
      const ending = repo.db<{ data: string }>(
        "SELECT data FROM events WHERE type = 'session.ending'",
      );
      expect(ending).toHaveLength(1);
      expect(JSON.parse(ending[0]?.data ?? "{}")).toMatchObject({
        reason: expect.stringMatching(/^its stage is (completed|merged)$/) as unknown,
      });
      const status = await repo.ok(["status"]);
      expect(status.stdout).toMatch(
        /ses_\w+\s+s1\s+exited\s+claude\s+context: \d+% · \d+k? in \/ \d+ out/,
      );
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });

  it("shows a permission prompt as waiting for input, and goes on once it is answered", async () => {
    await using model = await fakeModel({
      scripts: {
        s1: [
          { text: "Writing it.", write: { path: "hello.txt", content: "hello\n" } },
          { shell: "git add hello.txt" },
          { shell: `git commit -q -m "Add hello"` },
          { shell: "flux stage complete" },
          { end: true, text: "s1 is done." },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      defaultsYaml: "    agent: claude\n",
      // Interactive sessions keep the agent's own permission mode: Write asks.
      stagesYaml: `    - id: s1\n      description: "Write hello.txt. [[script:s1]]"\n      acceptance: ["test -f hello.txt"]\n`,
      env: untrustedClaude(model, homes),
    });
    try {
      const run = repo.spawn(["run"]);
      await run.waitFor(/waiting for input: permission prompt for Write/);
      const status = await repo.ok(["status"]);
      expect(status.stdout).toMatch(
        /s1\s+running\s+waiting for input: permission prompt for Write/,
      );
      const json = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
        stages: { id: string; waitingForInput: string | null }[];
      };
      expect(json.stages[0]?.waitingForInput).toBe("permission prompt for Write");
      const attach = await repo.ok(["attach", "list"]);
      expect(attach.stdout).toMatch(
        /ses_\w+\s+s1\s+running\s+\S+\s+\S+\s+waiting for input: permission prompt for Write/,
      );
      const sessions = await repo.ok(["sessions", "list"]);
      expect(sessions.stdout).toContain("waiting for input: permission prompt for Write");

      // A human answers in the pane (the dialog's first choice is "Yes").
      repo.tmux("send-keys", "-t", "flux-s1", "Enter");
      expect(await run.exit).toBe(0);
      expect(repo.state("s1")).toBe("merged");
      const resumed = repo.db<{ data: string }>(
        "SELECT data FROM events WHERE type = 'session.resumed'",
      );
      expect(JSON.parse(resumed[0]?.data ?? "{}")).toMatchObject({
        waitedFor: "permission prompt for Write",
      });
      expect(sessionsOf(repo, "s1")[0]?.waiting_for).toBeNull();
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });

  it("after its reminders, an agent that keeps stopping waits for input", async () => {
    await using model = await fakeModel({
      scripts: { s1: { turns: [{ text: "Nothing to do." }], after_end: "Still nothing." } },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      defaultsYaml: "    agent: claude\n",
      stagesYaml: `    - id: s1\n      description: "[[script:s1]]"\n      permission_mode: bypass\n      acceptance: ["test -f hello.txt"]\n`,
      env: untrustedClaude(model, homes),
    });
    try {
      fs.appendFileSync(
        path.join(repo.dir, ".work", "config.toml"),
        "\n[sessions]\nstop_reminders = 1\n",
      );
      const run = repo.spawn(["run"]);
      await run.waitFor(
        /waiting for input: the agent stopped before completing its stage \(sent back to work once\)/,
      );
      const bodies = model.requests().map((r) => JSON.stringify(r.body));
      expect(bodies.filter((b) => b.includes("reminder 1 of 1")).length).toBeGreaterThan(0);
      expect(bodies.some((b) => b.includes("reminder 2 of"))).toBe(false);
      expect(repo.state("s1")).toBe("running");
      const [session] = sessionsOf(repo, "s1");
      expect(session?.status).toBe("running");
      await waitFor(
        () =>
          session !== undefined &&
          fs.existsSync(path.join(repo.dir, ".work", "sessions", session.id, "waiting")),
      );
      run.child.kill("SIGINT");
      await run.exit;
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });

  it("a rate limit that ends a turn: Flux ends the TUI, waits for the reset and resumes the same agent, without using a retry", async () => {
    await using model = await fakeModel({
      scripts: {
        s1: [
          {
            limit: {
              status: 429,
              type: "rate_limit_error",
              message: "Too many requests",
              headers: { "retry-after": "${RESET_IN}" },
              for_ms: 3_000,
            },
            text: "Writing it.",
            write: { path: "hello.txt", content: "hello\n" },
          },
          { shell: 'git add hello.txt && git commit -q -m hello && "$FLUX_BIN" stage complete' },
          { end: true, text: "Done." },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      defaultsYaml: "    agent: claude\n",
      stagesYaml: `    - id: s1\n      description: "[[script:s1]]"\n      permission_mode: bypass\n      max_retries: 0\n      acceptance: ["test -f hello.txt"]\n`,
      env: untrustedClaude(model, homes),
    });
    fs.appendFileSync(path.join(repo.dir, ".work", "config.toml"), '\n[limits]\nbackoff = "1s"\n');
    try {
      const run = await repo.ok(["run"]);
      expect(run.stdout).toMatch(/s1\s+claude rate limit until/);
      expect(repo.state("s1")).toBe("merged");
      const sessions = repo.db<{ purpose: string; agent: string; error_class: string | null }>(
        "SELECT purpose, agent, error_class FROM sessions WHERE stage_id = 's1' ORDER BY created_at, rowid",
      );
      expect(sessions[0]).toMatchObject({ purpose: "start", error_class: "rate_limit" });
      expect(sessions.at(-1)).toMatchObject({ purpose: "handoff", error_class: null });
      expect(sessions.every((x) => x.agent === "claude")).toBe(true);
      expect(repo.db("SELECT retries FROM stages WHERE id = 's1'")).toEqual([{ retries: 0 }]);
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });
});
