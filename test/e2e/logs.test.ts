/**
 * Seeing a stage, through the built CLI in a terminal: `flux logs -f` runs in a pane of a
 * private tmux server and shows each line as it is appended — first to a log the test writes
 * the way the runner does, then to a real session the daemon runs — and ends by itself when the
 * session ends; `flux status <stage-id>` shows what the run left. Pane text has no event to
 * wait on: waitForText looks at the pane until the line is there.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { StageDetail } from "../../src/cli/render/stage-detail.ts";
import { Store } from "../../src/store/store.ts";
import { GATED } from "../kit/agents.ts";
import { FLUX_BIN, testEnv } from "../kit/cli.ts";
import { engineRepo } from "../kit/engine-repo.ts";
import { fluxRepo } from "../kit/flux-repo.ts";
import { RunnerLog, addSession, endSession } from "../kit/session-log.ts";
import type { PrivateTmux } from "../kit/tmux.ts";
import { privateTmux, waitForText } from "../kit/tmux.ts";

const VIEWER = "flux-viewer";

/** `flux <args>` in a pane of `tmux`, which says how it exited and stays open to be read. */
async function inPane(tmux: PrivateTmux, cwd: string, args: string[]): Promise<void> {
  const line = [process.execPath, FLUX_BIN, ...args].map((a) => `'${a}'`).join(" ");
  await tmux.backend.start({
    name: VIEWER,
    cwd,
    argv: ["sh", "-c", `${line}; echo "flux exited $?"; read x`],
    env: {},
    logFile: path.join(cwd, "unused.log"),
  });
}

const shows = (tmux: PrivateTmux, text: string, timeoutMs = 15_000) =>
  waitForText(tmux.backend, VIEWER, text, { timeoutMs });

describe("flux logs -f in a terminal", () => {
  it("shows each line as it is appended, and ends when the session ends", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    await using tmux = privateTmux({ env: testEnv() });
    using store = new Store(path.join(repo.dir, ".work", "flux.db"));
    const planId = store.activePlan()?.id ?? 0;

    await inPane(tmux, repo.dir, ["logs", "-f", "a"]);
    await shows(tmux, "a has no session yet (it is ready): waiting for its first");
    store.transition(planId, "a", "session_started", { actor: "flux" });
    addSession(store, planId, { id: "ses_watched", stage: "a" });
    await shows(tmux, "── a: session 1 of 1, ses_watched (command, start; running since");
    const log = new RunnerLog(path.join(repo.dir, ".work"), "ses_watched").start();
    await shows(tmux, "[flux] agent started (pid 4242)");
    for (const n of [1, 2, 3]) {
      log.out(`line ${n} of the agent\n`);
      const pane = await shows(tmux, `line ${n} of the agent`);
      expect(pane).not.toContain(`line ${n + 1} of the agent`);
    }
    log.out("half a li");
    log.out("ne\n");
    await shows(tmux, "half a line");
    log.exit(0);
    await shows(tmux, "[flux] agent exited (code 0)");
    // The runner's exit is written; the daemon records it and moves the stage on.
    endSession(store, "ses_watched");
    store.transition(planId, "a", "session_exited", { actor: "flux" });
    store.transition(planId, "a", "acceptance_passed", { actor: "flux" });
    const pane = await shows(tmux, "flux exited 0");
    expect(pane.split("\n").filter((l) => l !== "")).toEqual([
      "a has no session yet (it is ready): waiting for its first",
      expect.stringMatching(/^── a: session 1 of 1, ses_watched \(command, start; running since /),
      "[flux] session ses_watched · stage a",
      "[flux] agent started (pid 4242)",
      "line 1 of the agent",
      "line 2 of the agent",
      "line 3 of the agent",
      "half a line",
      "[flux] agent exited (code 0)",
      "flux exited 0",
    ]);
  });

  it("follows a session the daemon runs; flux status <id> shows what it left", async () => {
    await using repo = await engineRepo({
      agents: { gated: GATED },
      stagesYaml: `    - id: watched\n      command: "sh agents/gated.sh"\n      acceptance: ["test -f watched.txt"]\n`,
    });
    await using tmux = privateTmux({ env: testEnv(repo.env) });
    repo.gate("watched");
    const run = repo.spawn(["run"]);
    await run.waitFor(/watched\s+ready → running/);
    await inPane(tmux, repo.dir, ["logs", "-f", "watched"]);
    await shows(tmux, "waiting for the test");
    expect(await tmux.backend.capture(VIEWER)).not.toContain("passed its acceptance");
    await repo.open("watched");
    // The agent asks for its acceptance and prints the verdict; then it exits.
    await shows(tmux, "watched passed its acceptance");
    const pane = await shows(tmux, "flux exited 0", 60_000);
    expect(pane).toMatch(/^── watched: session 1 of 1, ses_\w+ \(command, start; /m);
    expect(pane).toContain("[flux] agent exited (code 0)");
    expect(await run.exit).toBe(0);

    const status = await repo.ok(["status", "watched"]);
    expect(status.stdout).toMatch(/^watched {2}merged\n/);
    expect(status.stdout).toMatch(
      /^ {3}1 {2}ses_\w+ +exited +start +command +context: — · .*\(code 0\)$/m,
    );
    expect(status.stdout).toMatch(/^Acceptance passed on [0-9a-f]{8} · request · /m);
    expect(status.stdout).toContain("  ✓ test -f watched.txt  exit 0");
    expect(status.stdout).toMatch(/^Last output of ses_\w+ /m);
    expect(status.stdout).toContain("  waiting for the test\n");
    const detail = JSON.parse(
      (await repo.ok(["status", "watched", "--json"])).stdout,
    ) as StageDetail;
    expect(detail).toMatchObject({ id: "watched", state: "merged", warnings: [], handoffs: [] });
    expect(detail.acceptance).toMatchObject({ passed: true, trigger: "request", runs: 1 });
    expect(detail.output?.lines.map((l) => l.text)).toContain("waiting for the test");
    const logs = await repo.ok(["logs", "watched"]);
    expect(logs.stdout).toContain("waiting for the test\n");
  });
});
