/**
 * A runner that dies without a word, end to end (real daemon, real tmux): with tmux's
 * session-closed hook silenced, nothing tells the daemon — only the heartbeats that stop. Its
 * session is found within seconds, flagged `hung`, and its stage restarted by the same daemon.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GATED } from "../kit/agents.ts";
import { engineRepo } from "../kit/engine-repo.ts";
import { waitFor } from "../kit/tmux.ts";

describe("heartbeats", () => {
  it("find a runner SIGKILLed with no hook to tell: hung, and its stage restarted while the daemon runs on", async () => {
    await using repo = await engineRepo({
      agents: { gated: GATED },
      stagesYaml: `    - id: beat\n      command: "sh agents/gated.sh"\n`,
    });
    repo.write(
      ".work/config.toml",
      `${repo.read(".work/config.toml")}\n[health]\nheartbeat = "1s"\n`,
    );
    repo.gate("beat");
    const run = repo.spawn(["run"]);
    await run.waitFor(/beat\s+ready → running/);
    const [agent] = await waitFor(
      () => {
        const rows = repo.db<{ id: string; pid: number | null }>(
          "SELECT id, pid FROM sessions WHERE stage_id = 'beat' AND status = 'running'",
        );
        return rows[0]?.pid != null ? rows : undefined;
      },
      { what: "the agent's pid" },
    );
    const daemon = daemonPid(repo.dir);
    // The daemon wrote its hook script as it started: from now on a closed session pokes no one.
    const hook = path.join(repo.dir, ".work", "bin", "session-closed");
    fs.writeFileSync(hook, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    // The runner alone (the agent's parent), as a crash or the OOM killer would: no exit.json,
    // no exit report.
    const runner = parentOf(agent?.pid ?? 0);
    expect(fs.readFileSync(`/proc/${runner}/cmdline`, "utf8")).toContain("runner");
    const killedAt = Date.now();
    process.kill(runner, "SIGKILL");

    await run.waitFor(/beat\s+running → ready\s+the session was gone when the daemon looked/);
    // Three missed beats of 1s and the time to ask tmux (slack for a loaded machine): while
    // this daemon runs, not at the next start.
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    await waitFor(() => repo.sessions("beat").length === 2, { what: "the retry" });
    const status = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
      sessions: { id: string; status: string; warnings: { kind: string; action: string }[] }[];
    };
    const first = status.sessions.find((s) => s.id === agent?.id);
    expect(first?.status).toBe("lost");
    expect(first?.warnings.map((w) => w.kind)).toEqual(["hung"]);
    expect(first?.warnings[0]?.action).toContain("Flux restarted its stage");
    expect(daemonPid(repo.dir)).toBe(daemon);
    // Found by its lifeline, not by a poke.
    expect(fs.readFileSync(path.join(repo.dir, ".work", "logs", "daemon.log"), "utf8")).toMatch(
      new RegExp(`${agent?.id}: no heartbeat for \\S+ and its session is gone`),
    );

    await repo.open("beat");
    expect(await run.exit).toBe(0);
    expect(repo.sessions("beat").map((s) => [s.purpose, s.status])).toEqual([
      ["start", "lost"],
      ["retry", "exited"],
    ]);
  });
});

function daemonPid(root: string): number {
  return (
    JSON.parse(fs.readFileSync(path.join(root, ".work", "daemon.json"), "utf8")) as {
      pid: number;
    }
  ).pid;
}

/** The parent of `pid` (Linux /proc), as server/faults.ts finds a session's runner. */
function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}
