/**
 * Rate and usage limits with the real agent CLIs against the scripted model, whose limits
 * reset after a while: a rate limit waits and resumes the same agent without using a retry; a
 * usage limit moves the stage to its fallback Codex agent, which finishes from Flux's handoff;
 * with no fallback the stage parks, survives a daemon SIGKILL, and resumes by itself.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { engineRepo } from "../kit/engine-repo.ts";
import { cliEnv, fakeModel } from "../kit/model.ts";
import { tempDir } from "../kit/temp-repo.ts";

/** Anthropic's rate limit, with the reset in its headers. */
const rateLimit = (forMs: number) => ({
  status: 429,
  type: "rate_limit_error",
  message: "Number of request tokens has exceeded your per-minute rate limit",
  headers: {
    "retry-after": "${RESET_IN}",
    "anthropic-ratelimit-requests-reset": "${RESET_ISO}",
  },
  for_ms: forMs,
});

/** A subscription's usage limit, as Anthropic answers it. */
const usageLimit = (forMs: number) => ({
  status: 429,
  type: "rate_limit_error",
  message: "You've hit your usage limit",
  headers: {
    "anthropic-ratelimit-unified-status": "rejected",
    "anthropic-ratelimit-unified-reset": "${RESET_EPOCH}",
  },
  for_ms: forMs,
});

const COMPLETE = '"$FLUX_BIN" stage complete';

interface SessionRow {
  agent: string;
  purpose: string;
  error_class: string | null;
  failure: string | null;
}

describe("rate and usage limits with the real CLIs", () => {
  it("a 429 with retry-after waits for the reset and resumes the same agent without using a retry", async () => {
    await using model = await fakeModel({
      scripts: {
        rl: [
          { limit: rateLimit(4_000), write: { path: "a.txt", content: "a\n" } },
          { shell: `git add a.txt && git commit -q -m a && ${COMPLETE}` },
          { end: true, text: "Done." },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      defaultsYaml: "    agent: claude\n    mode: headless\n",
      // No retry to spend: a limit counted as a failed attempt would fail the stage.
      stagesYaml:
        '    - id: rl\n      description: "[[script:rl]]"\n      max_retries: 0\n      acceptance: ["test -f a.txt"]\n',
      env: { ...(cliEnv("claude", model, { root: homes }) as Record<string, string>) },
    });
    fs.appendFileSync(`${repo.dir}/.work/config.toml`, '\n[limits]\nbackoff = "1s"\n');
    try {
      const run = await repo.ok(["run"]);
      expect(repo.state("rl")).toBe("merged");
      const sessions = repo.db<SessionRow>(
        "SELECT agent, purpose, error_class, failure FROM sessions ORDER BY created_at, rowid",
      );
      expect(sessions.length).toBeGreaterThanOrEqual(2);
      expect(sessions.every((s) => s.agent === "claude")).toBe(true);
      expect(sessions[0]).toMatchObject({ error_class: "rate_limit", failure: "rate_limit" });
      expect(sessions.at(-1)).toMatchObject({ purpose: "handoff", failure: null });
      expect(repo.db("SELECT retries FROM stages WHERE id = 'rl'")).toEqual([{ retries: 0 }]);
      expect(run.stdout).toMatch(/rl\s+claude rate limit until \d\d:\d\d(:\d\d)?/);
      expect(run.stdout).toMatch(
        /rl\s+needs_handoff → parked\s+parked until \d\d:\d\d(:\d\d)?: claude rate limit/,
      );
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });

  it("a usage limit moves the stage to its fallback Codex agent, which finishes it from Flux's handoff", async () => {
    await using model = await fakeModel({
      scripts: {
        u1: [
          // The next session's script, named in the agent's words that Flux's handoff quotes.
          {
            text: "Writing the first half. [[script:u2]]",
            write: { path: "half.txt", content: "1\n" },
          },
          { shell: "git add half.txt && git commit -q -m 'first half'" },
          { limit: usageLimit(600_000), end: true, text: "never reached" },
        ],
        u2: [
          { write: { path: "rest.txt", content: "2\n" } },
          { shell: `git add rest.txt && git commit -q -m 'second half' && ${COMPLETE}` },
          { end: true, text: "Done." },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      defaultsYaml: "    agent: claude\n    mode: headless\n",
      stagesYaml:
        '    - id: two\n      description: "[[script:u1]]"\n      fallback_agents: [codex]\n      max_retries: 0\n      acceptance: ["test -f half.txt && test -f rest.txt"]\n',
      env: {
        ...(cliEnv("claude", model, { root: homes }) as Record<string, string>),
        ...(cliEnv("codex", model, { root: homes }) as Record<string, string>),
      },
    });
    try {
      const run = await repo.ok(["run"]);
      expect(repo.state("two")).toBe("merged");
      expect(repo.git("show", "main:half.txt")).toBe("1\n");
      expect(repo.git("show", "main:rest.txt")).toBe("2\n");
      expect(
        repo.db<SessionRow>(
          "SELECT agent, purpose, error_class, failure FROM sessions ORDER BY created_at, rowid",
        ),
      ).toEqual([
        { agent: "claude", purpose: "start", error_class: "usage_limit", failure: "usage_limit" },
        { agent: "codex", purpose: "handoff", error_class: null, failure: null },
      ]);
      expect(repo.db("SELECT author, reason FROM handoffs")).toEqual([
        { author: "flux", reason: "agent_limit" },
      ]);
      // Codex's first request carries the handoff: the commit Claude left.
      const first = model.requests().find((r) => r.script === "u2" && r.turn === 0);
      expect(JSON.stringify(first?.body)).toContain("first half");
      expect(run.stdout).toMatch(/two\s+claude usage limit until/);
      const status = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
        stages: { id: string; agent: string; lastAgent: string }[];
      };
      expect(status.stages[0]).toMatchObject({ id: "two", agent: "claude", lastAgent: "codex" });
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });

  it("with no fallback the stage parks, survives a daemon SIGKILL, and resumes by itself after the reset", async () => {
    await using model = await fakeModel({
      scripts: {
        p1: [
          { limit: usageLimit(8_000), write: { path: "p.txt", content: "p\n" } },
          { shell: `git add p.txt && git commit -q -m p && ${COMPLETE}` },
          { end: true, text: "Done." },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      defaultsYaml: "    agent: claude\n    mode: headless\n",
      stagesYaml:
        '    - id: parked\n      description: "[[script:p1]]"\n      max_retries: 0\n      acceptance: ["test -f p.txt"]\n',
      env: { ...(cliEnv("claude", model, { root: homes }) as Record<string, string>) },
    });
    // Should the CLI not name the reset, the usage limit lasts this long.
    fs.appendFileSync(`${repo.dir}/.work/config.toml`, '\n[limits]\nusage_wait = "6s"\n');
    try {
      const run = repo.spawn(["run"]);
      await run.waitFor(
        /parked\s+\S+ → parked\s+parked until \d\d:\d\d(:\d\d)?: claude usage limit/,
      );
      const status = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
        stages: { id: string; state: string; parkedUntil: string | null; reason: string }[];
        limits: { agent: string; kind: string; until: string }[];
      };
      const stage = status.stages[0];
      expect(stage).toMatchObject({ id: "parked", state: "parked" });
      expect(Date.parse(stage?.parkedUntil ?? "")).toBeGreaterThan(Date.now());
      expect(stage?.reason).toMatch(/^parked until \d\d:\d\d(:\d\d)?: claude usage limit$/);
      expect(status.limits).toMatchObject([{ agent: "claude", kind: "usage_limit" }]);

      const daemon = JSON.parse(repo.read(".work/daemon.json")) as { pid: number };
      process.kill(daemon.pid, "SIGKILL");
      await run.waitFor("The daemon went away; starting it again");
      expect(await run.exit).toBe(0);
      expect(repo.state("parked")).toBe("merged");
      const out = run.stdout();
      // The new daemon un-parked it: after the restart, not before.
      expect(out.indexOf("parked → ready")).toBeGreaterThan(
        out.indexOf("The daemon went away; starting it again"),
      );
      expect(repo.db("SELECT retries FROM stages WHERE id = 'parked'")).toEqual([{ retries: 0 }]);
      const sessions = repo.db<SessionRow>(
        "SELECT agent, purpose, error_class, failure FROM sessions ORDER BY created_at, rowid",
      );
      expect(sessions[0]).toMatchObject({ agent: "claude", failure: "usage_limit" });
      expect(sessions.at(-1)).toMatchObject({ agent: "claude", failure: null });
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });
});
