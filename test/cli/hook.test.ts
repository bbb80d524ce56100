/**
 * `flux hook <event>`, what an interactive Claude session's hooks run, driven here by a
 * `command` agent that feeds it the payloads Claude would (reference §1.6) against the real
 * daemon. The real TUI calling it is in test/e2e/interactive.test.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { flux } from "../kit/cli.ts";
import { engineRepo } from "../kit/engine-repo.ts";
import { tempDir } from "../kit/temp-repo.ts";
import { waitFor } from "../kit/tmux.ts";

/** Each hook call's exit status and stderr land in $SCRATCH; the test opens the gates. */
const HOOKS = `hook() { event=$1; shift; code=0; printf '%s' "$PAYLOAD" | "$FLUX_BIN" hook "$event" "$@" > "$SCRATCH/$event.out" 2> "$SCRATCH/$event.err" || code=$?; echo $code > "$SCRATCH/$event.code"; }
echo "the signal" > "$SCRATCH/signal.md"
PAYLOAD='{"session_id":"c1","transcript_path":"/nonexistent.jsonl"}' hook session-start "$SCRATCH/signal.md"
PAYLOAD='{"tool_name":"Write","tool_input":{}}' hook permission-request
read go < "$SCRATCH/go-$FLUX_STAGE_ID"
PAYLOAD='{"notification_type":"permission_prompt","message":"Claude needs your permission"}' hook notification
PAYLOAD='{}' hook active
PAYLOAD='{"notification_type":"auth_success","message":"Logged in"}' hook notification
PAYLOAD='{"stop_hook_active":false,"last_assistant_message":"done?"}' hook stop
read go < "$SCRATCH/go-$FLUX_STAGE_ID"
echo ok > ok.txt && git add ok.txt && git commit -q -m ok && "$FLUX_BIN" stage complete`;

describe("flux hook", () => {
  it("talks to the daemon for its session: waiting for input, Stop reminders, the signal", async () => {
    await using repo = await engineRepo({
      agents: { hooks: HOOKS },
      stagesYaml: `    - id: h1\n      command: "sh agents/hooks.sh"\n      acceptance: ["test -f ok.txt"]\n`,
    });
    repo.gate("h1");
    const run = repo.spawn(["run"]);
    await run.waitFor(/waiting for input: permission prompt for Write/);
    const scratch = (name: string) => fs.readFileSync(path.join(repo.scratch, name), "utf8");
    await waitFor(() => fs.existsSync(path.join(repo.scratch, "permission-request.code")));

    // session-start: the signal as additionalContext, and the Claude session noted.
    expect(JSON.parse(scratch("session-start.out"))).toEqual({
      hookSpecificOutput: { hookEventName: "SessionStart", additionalContext: "the signal\n" },
    });
    const [session] = repo.sessions("h1");
    const sessionDir = path.join(repo.dir, ".work", "sessions", session?.id ?? "");
    expect(JSON.parse(fs.readFileSync(path.join(sessionDir, "agent.json"), "utf8"))).toEqual({
      agentSessionId: "c1",
      transcriptPath: "/nonexistent.jsonl",
    });
    // permission-request: waiting, shown by status and marked for the shell-test hooks.
    expect(scratch("permission-request.code").trim()).toBe("0");
    expect(fs.readFileSync(path.join(sessionDir, "waiting"), "utf8")).toBe(
      "permission prompt for Write\n",
    );
    const status = await repo.ok(["status"]);
    expect(status.stdout).toMatch(/h1\s+running\s+waiting for input: permission prompt for Write/);
    expect(status.stdout).toMatch(
      /ses_\w+\s+h1\s+running\s+command\s+context: — · waiting for input/,
    );

    await repo.open("h1");
    // notification keeps the better reason; active clears it; a notification that asks
    // nothing changes nothing; stop sends the agent back.
    await waitFor(() => fs.existsSync(path.join(repo.scratch, "stop.code")), { what: "stop" });
    expect(scratch("stop.code").trim()).toBe("2");
    expect(scratch("stop.err")).toMatch(
      /^Flux: stage h1 is not complete yet, so this session goes on \(reminder 1 of 3\)\. .*run `"\$FLUX_BIN" stage complete`/,
    );
    const events = repo.db<{ type: string; data: string }>(
      "SELECT type, data FROM events WHERE type IN ('session.waiting', 'session.resumed') ORDER BY seq",
    );
    const why = (data: string) => {
      const d = JSON.parse(data) as { reason?: string; waitedFor?: string };
      return d.reason ?? d.waitedFor;
    };
    expect(events.map((e) => [e.type, why(e.data)])).toEqual([
      ["session.waiting", "permission prompt for Write"],
      ["session.resumed", "permission prompt for Write"],
    ]);
    expect(fs.existsSync(path.join(sessionDir, "waiting"))).toBe(false);
    expect(repo.db("SELECT reminders_sent FROM sessions")).toEqual([{ reminders_sent: 1 }]);

    await repo.open("h1");
    expect(await run.exit).toBe(0);
    expect(repo.state("h1")).toBe("merged");
    // The completion request started the reminders again from zero.
    expect(repo.db("SELECT reminders_sent FROM sessions")).toEqual([{ reminders_sent: 0 }]);
  });

  it("never breaks the agent: with no daemon it logs and exits 0", async () => {
    const work = tempDir("flux-hook-");
    try {
      const env = { FLUX_SESSION_ID: "ses_x", FLUX_WORK_DIR: work, FLUX_SESSION_TOKEN: "t" };
      const result = await flux(["hook", "stop"], { cwd: work, env, input: "{}" });
      expect(result.code).toBe(0);
      expect(fs.readFileSync(path.join(work, "logs", "ses_x.hooks.log"), "utf8")).toMatch(
        /stop: no daemon\.json: the daemon is not running/,
      );
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it("outside a session, or for an unknown event, says what is wrong", async () => {
    const work = tempDir("flux-hook-");
    try {
      const outside = await flux(["hook", "stop"], { cwd: work, env: {} });
      expect(outside.code).toBe(6);
      expect(outside.stderr).toContain("flux hook runs inside a Flux session");
      const env = { FLUX_SESSION_ID: "ses_x", FLUX_WORK_DIR: work };
      const unknown = await flux(["hook", "PreToolUse"], { cwd: work, env });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown hook event "PreToolUse"');
      expect(unknown.stderr).toContain(
        "events: session-start, context, stop, pre-compact, stop-failure",
      );
      const missing = await flux(["hook", "session-start", path.join(work, "gone.md")], {
        cwd: work,
        env,
      });
      expect(missing.code).toBe(6);
      expect(missing.stderr).toContain("cannot read the signal");
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it("context: the gate's call is answered with the handoff instruction at red and a denied tool past the limit", async () => {
    const agent = `T="$SCRATCH/t.jsonl"
if [ -f "$SCRATCH/first.done" ]; then
  echo ok > ok.txt && git add ok.txt && git commit -q -m ok && "$FLUX_BIN" stage complete
  exit 0
fi
touch "$SCRATCH/first.done"
usage() { printf '{"type":"assistant","isSidechain":false,"message":{"role":"assistant","usage":{"input_tokens":%s,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1},"content":[]}}\\n' "$1" >> "$T"; }
ask() { printf '{"transcript_path":"%s"}' "$T" | "$FLUX_BIN" hook context "$1" > "$SCRATCH/$2.out" 2> "$SCRATCH/$2.err"; echo $? > "$SCRATCH/$2.code"; }
usage 100000; ask post green
usage 160000; ask post red
usage 190000; ask pre limit
sleep 30`;
    await using repo = await engineRepo({
      agents: { ctx: agent },
      stagesYaml: `    - id: c1\n      command: "sh agents/ctx.sh"\n      acceptance: ["test -f ok.txt"]\n`,
    });
    await repo.ok(["run"]);
    expect(repo.state("c1")).toBe("merged");
    const scratch = (name: string) => fs.readFileSync(path.join(repo.scratch, name), "utf8");
    expect(scratch("green.out")).toBe("");
    expect(scratch("green.code").trim()).toBe("0");
    const red = JSON.parse(scratch("red.out")) as { decision: string; reason: string };
    expect(red.decision).toBe("block");
    expect(red.reason).toContain('"$FLUX_BIN" handoff create --stdin');
    expect(red.reason).toContain("## Remaining");
    const limit = JSON.parse(scratch("limit.out")) as Record<string, unknown>;
    expect(limit).toMatchObject({
      continue: false,
      hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny" },
    });
    expect(JSON.stringify(limit)).toContain("over its 90% limit");
    expect(repo.sessions("c1").map((s) => s.purpose)).toEqual(["start", "handoff"]);
    expect(repo.db("SELECT author, reason FROM handoffs")).toEqual([
      { author: "flux", reason: "limit" },
    ]);
  });
});
