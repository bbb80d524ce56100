/** Humans stepping in, and the daemon going away and coming back. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { WORK, GATED } from "../kit/agents.ts";
import { waitFor } from "../kit/tmux.ts";
import { engineRepo } from "../kit/engine-repo.ts";
import { TEST_STATE_HOME } from "../kit/cli.ts";
import { readSpec } from "../../src/engine/session-files.ts";
import { readDaemonInfo } from "../../src/server/daemon-file.ts";
import { stateDirFor } from "../../src/store/state-dir.ts";

describe("humans stepping in", () => {
  it("resumes a failed stage with a recovery signal", async () => {
    await using repo = await engineRepo({
      agents: {
        flaky: `if [ ! -f "$SCRATCH/fixed" ]; then echo "broken"; exit 1; fi\ncp "$1" "$SCRATCH/resumed.md"\n${WORK}`,
      },
      stagesYaml: `    - id: flaky\n      command: "sh agents/flaky.sh {signal}"\n      max_retries: 0\n`,
    });
    await repo.ok(["run"], 4);
    expect(repo.state("flaky")).toBe("failed");
    const wrong = await repo.ok(["resume", "flaky"], 4, { FLUX_SESSION_ID: "ses_x" });
    expect(wrong.stderr).toContain("REFUSED_IN_SESSION");
    fs.writeFileSync(path.join(repo.scratch, "fixed"), "");
    const resumed = await repo.ok(["resume", "flaky"]);
    expect(resumed.stdout).toContain("Resumed flaky");
    await repo.ok(["run"]);
    expect(repo.state("flaky")).toBe("merged");
    expect(repo.sessions("flaky").map((s) => s.purpose)).toEqual(["start", "resume"]);
    expect(fs.readFileSync(path.join(repo.scratch, "resumed.md"), "utf8")).toContain("broken");
    const notBlocked = await repo.ok(["resume", "flaky"], 4);
    expect(notBlocked.stderr).toContain("STAGE_NOT_RESUMABLE");
  });

  it("kills a session: its stage is blocked, killed by user", async () => {
    await using repo = await engineRepo({
      agents: { gated: GATED },
      stagesYaml: `    - id: victim\n      command: "sh agents/gated.sh"\n`,
    });
    repo.gate("victim");
    const run = repo.spawn(["run"]);
    await run.waitFor(/victim\s+ready → running/);
    const [session] = repo.sessions("victim");
    const killed = await repo.ok(["sessions", "kill", session?.id ?? ""]);
    expect(killed.stdout).toContain('blocked ("killed by user")');
    expect(await run.exit).toBe(4);
    expect(run.stdout()).toMatch(/victim\s+blocked\s+killed by user/);
    expect(repo.sessions("victim")[0]?.status).toBe("killed");
    expect(() => repo.tmux("has-session", "-t", "=flux-victim")).toThrow();
    const list = await repo.ok(["sessions", "list", "--all"]);
    expect(list.stdout).toMatch(/ses_\w+\s+victim\s+killed/);
    expect((await repo.ok(["sessions", "list"])).stdout).toContain("No live sessions");
    const data = JSON.parse((await repo.ok(["sessions", "list", "--all", "--json"])).stdout) as {
      stageId: string;
      status: string;
    }[];
    expect(data).toMatchObject([{ stageId: "victim", status: "killed" }]);
  });

  it("notices at once a pane closed under its runner: a crash like any other", async () => {
    await using repo = await engineRepo({
      agents: { gated: GATED },
      stagesYaml: `    - id: closed\n      command: "sh agents/gated.sh"\n      max_retries: 0\n`,
    });
    repo.gate("closed");
    const run = repo.spawn(["run"]);
    await run.waitFor(/closed\s+ready → running/);
    await waitFor(() => repo.sessions("closed")[0]?.status === "running", { what: "started" });
    // Not through Flux: the user closes the window. The runner's terminal is gone with it.
    repo.tmux("kill-session", "-t", "=flux-closed");
    expect(await run.exit).toBe(4);
    expect(run.stdout()).toMatch(
      /closed\s+running → failed\s+the agent exited with SIGHUP without completing/,
    );
    expect(repo.sessions("closed")[0]?.status).toBe("exited");
  });

  it("hears at once of a runner killed without reporting (tmux's session-closed hook), and retries", async () => {
    await using repo = await engineRepo({
      agents: { gated: GATED },
      stagesYaml: `    - id: doomed\n      command: "sh agents/gated.sh"\n`,
    });
    repo.gate("doomed");
    const run = repo.spawn(["run"]);
    await run.waitFor(/doomed\s+ready → running/);
    await waitFor(() => repo.sessions("doomed")[0]?.status === "running", { what: "started" });
    // SIGKILL to the pane's whole process group: the runner cannot report, nor write exit.json.
    const pane = Number(repo.tmux("display-message", "-p", "-t", "=flux-doomed:", "#{pane_pid}"));
    process.kill(-pane, "SIGKILL");
    await run.waitFor(
      /doomed\s+running → ready\s+the session was gone when the daemon looked/,
      20_000,
    );
    await waitFor(() => repo.sessions("doomed").length === 2, { what: "the retry" });
    await repo.open("doomed");
    expect(await run.exit).toBe(0);
    expect(repo.sessions("doomed").map((s) => [s.purpose, s.status])).toEqual([
      ["start", "lost"],
      ["retry", "exited"],
    ]);
    expect(repo.state("doomed")).toBe("merged");
  });

  it("cleans only the worktrees of finished stages with nothing unmerged, saying what it kept", async () => {
    await using repo = await engineRepo({
      agents: {
        gated: GATED,
        half: `echo half > half.txt\ngit add half.txt\ngit commit -q -m half\nexit 1`,
      },
      stagesYaml: `    - id: dropped\n      command: "sh agents/gated.sh"\n    - id: partial\n      command: "sh agents/half.sh"\n      max_retries: 0\n`,
    });
    repo.gate("dropped");
    const run = repo.spawn(["run"]);
    await run.waitFor(/dropped\s+ready → running/);
    await run.waitFor(/partial\s+running → failed/);
    const [session] = repo.sessions("dropped");
    await repo.ok(["sessions", "kill", session?.id ?? ""]);
    await run.exit;
    await repo.ok(["stage", "dropped", "cancel"]);
    const rows = JSON.parse((await repo.ok(["worktree", "list", "--json"])).stdout) as {
      stage: string;
      unmerged: number;
    }[];
    expect(rows.map((r) => [r.stage, r.unmerged])).toEqual([
      ["dropped", 0],
      ["partial", 1],
    ]);
    const list = await repo.ok(["worktree", "list"]);
    expect(list.stdout).toMatch(/dropped\s+cancelled\s+0\s+0/);
    expect(list.stdout).toMatch(/partial\s+failed\s+0\s+1/);
    const clean = await repo.ok(["worktree", "clean"]);
    expect(clean.stdout).toContain("removed .worktrees/dropped");
    expect(clean.stdout).toContain("kept    .worktrees/partial: stage is failed");
    expect(fs.existsSync(path.join(repo.dir, ".worktrees", "dropped"))).toBe(false);
    expect(repo.git("log", "--format=%s", "flux/partial", "-1").trim()).toBe("half");
  });

  it("lands the verdict even when the caller is killed while the acceptance runs", async () => {
    await using repo = await engineRepo({
      agents: {
        // Asks, then is killed mid-acceptance (the acceptance waits on a gate the test opens).
        ask: `echo work > work.txt\ngit add work.txt\ngit commit -q -m work\nexec "$FLUX_BIN" stage complete`,
      },
      stagesYaml: `    - id: patient\n      command: "sh agents/ask.sh"\n      acceptance: ["read go < \\"$SCRATCH/go-patient\\""]\n`,
    });
    repo.gate("patient");
    const run = repo.spawn(["run"]);
    await run.waitFor(/patient\s+running → checking/);
    const [session] = repo.sessions("patient");
    // Kill the whole tmux session: the runner and the agent's `flux stage complete` die.
    repo.tmux("kill-session", "-t", "=flux-patient");
    await repo.open("patient");
    expect(await run.exit).toBe(0);
    expect(repo.state("patient")).toBe("merged");
    expect(
      repo.db<{ passed: number; session_id: string }>(
        "SELECT passed, session_id FROM acceptance_runs",
      ),
    ).toEqual([{ passed: 1, session_id: session?.id }]);
  });
});

describe("the daemon", () => {
  it("starts, reports and stops; a clean restart re-adopts the live sessions", async () => {
    await using repo = await engineRepo({
      agents: { gated: GATED },
      stagesYaml: `    - id: survivor\n      command: "sh agents/gated.sh"\n`,
    });
    repo.gate("survivor");
    expect((await repo.ok(["daemon", "status"], 7)).stdout).toContain("No Flux daemon is running");
    const first = repo.spawn(["run"]);
    await first.waitFor(/survivor\s+ready → running/);
    first.child.kill("SIGINT");
    await first.exit;
    const status = JSON.parse((await repo.ok(["daemon", "status", "--json"])).stdout) as {
      running: boolean;
      pid: number;
      url: string;
    };
    expect(status.running).toBe(true);
    expect(status.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(
      (fs.statSync(path.join(repo.dir, ".work", "daemon.json")).mode & 0o777).toString(8),
    ).toBe("600");
    const stop = await repo.ok(["daemon", "stop"]);
    expect(stop.stdout).toContain(`Stopped the Flux daemon ${status.pid}.`);
    expect(fs.existsSync(path.join(repo.dir, ".work", "daemon.json"))).toBe(false);
    // The session outlived the daemon in tmux.
    expect(repo.tmux("has-session", "-t", "=flux-survivor")).toBe("");
    await repo.ok(["daemon", "start", "-d"]);
    const log = fs.readFileSync(path.join(repo.dir, ".work", "logs", "daemon.log"), "utf8");
    expect(log).toMatch(/re-adopted ses_\w+ \(flux-survivor\)/);
    const second = repo.spawn(["run"]);
    await repo.open("survivor");
    expect(await second.exit).toBe(0);
    expect(repo.sessions("survivor")).toHaveLength(1);
    expect(repo.state("survivor")).toBe("merged");
  });

  it("redoes an acceptance cut off by a daemon SIGKILL, killing the check the dead daemon left", async () => {
    await using repo = await engineRepo({
      agents: {
        ask: `echo work > work.txt\ngit add work.txt\ngit commit -q -m work\n"$FLUX_BIN" stage complete || true`,
      },
      // Each check records its shell's pid (its process group), then waits on the test's gate.
      stagesYaml: `    - id: patient\n      command: "sh agents/ask.sh"\n      acceptance: ["echo $$ >> \\"$SCRATCH/checks\\"; read go < \\"$SCRATCH/go-patient\\""]\n`,
    });
    repo.gate("patient");
    const checks = path.join(repo.scratch, "checks");
    const first = repo.spawn(["run"]);
    await first.waitFor(/patient\s+running → checking/);
    const [orphan] = await linesOf(checks, 1);
    const daemon = JSON.parse(repo.read(".work/daemon.json")) as { pid: number };
    process.kill(daemon.pid, "SIGKILL");
    // The follower notices, starts a new daemon and follows on; the new daemon kills the
    // orphaned check and runs the acceptance again.
    await first.waitFor("The daemon went away; starting it again");
    const [, redone] = await linesOf(checks, 2);
    expect(redone).not.toBe(orphan);
    expect(alive(Number(orphan))).toBe(false);
    await repo.open("patient");
    expect(await first.exit).toBe(0);
    expect(repo.state("patient")).toBe("merged");
    expect(repo.db<{ passed: number }>("SELECT passed FROM acceptance_runs")).toEqual([
      { passed: 1 },
    ]);
    expect(repo.db("SELECT * FROM stage_tasks")).toEqual([]);
  });

  it("exits after its idle period with nothing running or ready", async () => {
    await using repo = await engineRepo({
      agents: { work: WORK },
      stagesYaml: `    - id: only\n      command: "sh agents/work.sh"\n`,
      env: { FLUX_IDLE_TIMEOUT: "1s" },
    });
    await repo.ok(["run"]);
    const file = path.join(repo.dir, ".work", "daemon.json");
    // Wait for the daemon to remove daemon.json (a file-system event, not a poll).
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("the daemon did not exit when idle")),
        15_000,
      );
      const watcher = fs.watch(path.dirname(file), () => {
        if (!fs.existsSync(file)) done();
      });
      const done = () => {
        clearTimeout(timer);
        watcher.close();
        resolve();
      };
      if (!fs.existsSync(file)) done();
    });
    expect(fs.readFileSync(path.join(repo.dir, ".work", "logs", "daemon.log"), "utf8")).toMatch(
      /idle for 1000 ms: exiting/,
    );
  });

  it("refuses requests without the token, and a session's token outside its stage", async () => {
    await using repo = await engineRepo({
      agents: { gated: GATED },
      stagesYaml: `    - id: one\n      command: "sh agents/gated.sh"\n    - id: two\n      command: "sh agents/gated.sh"\n`,
    });
    repo.gate("one");
    repo.gate("two");
    const run = repo.spawn(["run"]);
    await run.waitFor(/one\s+ready → running/);
    const info = readDaemonInfo(path.join(repo.dir, ".work"));
    if (info === undefined) throw new Error("no daemon");
    expect(info.token).not.toBe("");
    expect((await fetch(`${info.url}/v1/health`)).status).toBe(401);
    expect(
      (await fetch(`${info.url}/v1/health`, { headers: { authorization: "Bearer nope" } })).status,
    ).toBe(401);
    const stateDir = stateDirFor(repo.dir, { XDG_STATE_HOME: TEST_STATE_HOME });
    const spec = readSpec(stateDir, repo.sessions("one")[0]?.id ?? "");
    const session = { authorization: `Bearer ${spec.env.FLUX_SESSION_TOKEN}` };
    expect(spec.env.FLUX_SESSION_TOKEN).not.toBe(info.token);
    expect(JSON.stringify(spec.env)).not.toContain(info.token);
    // No credential anywhere a session reaches through its worktree's .work symlink.
    const secrets = [info.token, spec.env.FLUX_SESSION_TOKEN ?? ""];
    for (const file of filesUnder(path.join(repo.dir, ".work")))
      for (const secret of secrets)
        expect(fs.readFileSync(file, "utf8").includes(secret), `${file} holds a token`).toBe(false);
    expect(
      (await fetch(`${info.url}/v1/stages/two/complete`, { method: "POST", headers: session }))
        .status,
    ).toBe(403);
    const gate = await fetch(`${info.url}/v1/stages/one/approve`, {
      method: "POST",
      headers: session,
      body: JSON.stringify({}),
    });
    expect(gate.status).toBe(403);
    expect((await fetch(`${info.url}/v1/run`, { method: "POST", headers: session })).status).toBe(
      403,
    );
    await run.waitFor(/two\s+ready → running/);
    const other = repo.sessions("two")[0]?.id ?? "";
    const hook = (id: string) =>
      fetch(`${info.url}/v1/sessions/${id}/hook`, {
        method: "POST",
        headers: session,
        body: JSON.stringify({ event: "permission-request", tool: "Bash" }),
      });
    expect((await hook(other)).status).toBe(403);
    expect(repo.db("SELECT 1 FROM sessions WHERE waiting_for IS NOT NULL")).toEqual([]);
    await repo.open("one");
    await repo.open("two");
    expect(await run.exit).toBe(0);
    // A session's token dies with its session.
    const ended = await fetch(`${info.url}/v1/sessions/${repo.sessions("one")[0]?.id}`, {
      headers: session,
    });
    expect(ended.status).toBe(401);
  });
});

/** Every regular file below `dir` (symlinks not followed). */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** Resolves with the file's lines once it has at least `count` (re-read on each change). */
async function linesOf(file: string, count: number, timeoutMs = 30_000): Promise<string[]> {
  const read = () =>
    fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = read();
    if (lines.length >= count) return lines;
    if (Date.now() > deadline) throw new Error(`${file}: ${lines.length} of ${count} lines`);
    // The file is written by a shell in another process: wait for the directory to change.
    await new Promise<void>((resolve) => {
      const watcher = fs.watch(path.dirname(file), () => {
        watcher.close();
        resolve();
      });
      const timer = setTimeout(() => {
        watcher.close();
        resolve();
      }, 500);
      watcher.on("close", () => clearTimeout(timer));
    });
  }
}

/** A live, non-zombie process. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] !== "Z";
  } catch {
    return false;
  }
}
