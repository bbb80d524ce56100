/**
 * `flux tui` in a real terminal: the built CLI in a pane of a private tmux server, a real
 * repository whose stages are command agents (one stops at a human gate, one blocks on a FIFO
 * the test opens), a real daemon. The screen is read with capture-pane and keys are sent with
 * send-keys; every wait is on what the screen or the store shows, never a fixed sleep.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { GATED, WORK } from "../kit/agents.ts";
import { FLUX_BIN, testEnv } from "../kit/cli.ts";
import { engineRepo } from "../kit/engine-repo.ts";
import type { EngineRepo } from "../kit/engine-repo.ts";
import { privateTmux, waitFor } from "../kit/tmux.ts";

/** One argument for `sh -c`, quoted. */
const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

async function flowOf(repo: EngineRepo): Promise<string> {
  const status = JSON.parse((await repo.ok(["status", "--json"])).stdout) as { flow: string };
  return status.flow;
}

describe("flux tui", () => {
  it("shows the run, and its keys drive real actions: flow control, verify, attach, merge, resume, quit; a signal quits too", async () => {
    await using repo = await engineRepo({
      agents: { work: WORK, gated: GATED },
      stagesYaml: `    - id: gated\n      command: "sh agents/work.sh"\n      verify: human\n    - id: long\n      command: "sh agents/gated.sh"\n    - id: held\n      command: "sh agents/work.sh"\n      merge: manual\n`,
    });
    repo.gate("long");
    const run = repo.spawn(["run"]);
    await run.waitFor(/long\s+ready → running/);

    // The pane's shell gets the test's environment; TMUX_TMPDIR is the private server's own, so
    // the command gets back the one the daemon's tmux server lives under (unset means /tmp).
    await using term = privateTmux({ env: testEnv(repo.env) });
    const tmuxTmpdir = process.env.TMUX_TMPDIR ?? "/tmp";
    const command = `${quote(process.execPath)} ${quote(FLUX_BIN)} tui; echo "flux tui exited $?"; read done`;
    term.tmux(
      "new-session",
      "-d",
      "-s",
      "tui",
      "-x",
      "160",
      "-y",
      "40",
      "-c",
      repo.dir,
      "-e",
      `TMUX_TMPDIR=${tmuxTmpdir}`,
      command,
    );
    let target = "tui";
    const screen = () => term.tmux("capture-pane", "-p", "-t", target);
    const see = (pattern: RegExp, timeoutMs = 30_000) =>
      waitFor(
        () => {
          const text = screen();
          return pattern.test(text) && text;
        },
        {
          timeoutMs,
          what: `${String(pattern)} on the screen`,
        },
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; the screen:\n${screen()}`);
      });
    const press = (...keys: string[]) => term.tmux("send-keys", "-t", "tui", ...keys);

    // The stages with their states, the flow, the daemon; the selected stage's log.
    await see(/▶ gated\s+awaiting_verification\s+command\s+waiting for `flux verify gated`/);
    await see(/held\s+completed\s+command\s+merge: manual/);
    let shown = await see(/long\s+running\s+command/);
    expect(shown).toMatch(/^Flux · E2E plan {2}doc\/plans\/PLAN-e2e\.md → main {2}daemon up/m);
    expect(shown).toMatch(/0% 0\/3 done {2}flow: running/);
    expect(shown).toContain("── Sessions · gated");
    await see(/gated passed its acceptance on [0-9a-f]{8}: completed\./);

    // ? shows the keys and goes back; l hides the log pane and shows it again.
    press("?");
    shown = await see(/── Keys/);
    expect(shown).toContain("v             verify: run the acceptance again");
    press("?");
    await see(/── Stages \(3\)/);
    press("l");
    await waitFor(() => !screen().includes("── Log"), { what: "the log pane hidden" });
    press("l");
    await see(/── Log · ses_/);

    // A smaller terminal: the screen fits it, the keys on its last line but one (tmux keeps the
    // last for the cursor).
    term.tmux("resize-window", "-t", "tui", "-x", "120", "-y", "30");
    shown = await see(/^── Stages \(3\) ─+$/m);
    const rows = shown.split("\n");
    expect(rows.find((r) => r.startsWith("── Stages"))).toHaveLength(120);
    expect(rows[28]).toMatch(/p pause · d drain · u resume flow/);

    // p pauses, u resumes: through the daemon, as status says.
    press("p");
    await see(/flow: PAUSED — no session starts until `flux daemon resume`/);
    await see(/Paused: no session starts/);
    expect(await flowOf(repo)).toBe("paused");
    press("d");
    await see(/flow: DRAINING — no new stage starts/);
    expect(await flowOf(repo)).toBe("draining");
    press("u");
    await see(/0\/3 done {2}flow: running/);
    expect(await flowOf(repo)).toBe("running");

    // v shows the gate's evidence and asks; y approves, and the stage merges.
    press("v");
    shown = await see(/Approve gated\? y approves · n leaves it at its gate/);
    expect(shown).toMatch(/gated at [0-9a-f]{8}: acceptance passed/);
    expect(shown).toMatch(/[0-9a-f]{8} work for gated/);
    expect(shown).toContain("Changes: 1 file, +1 −0");
    press("y");
    await see(/Approved: gated is (verified|merged)\./);
    await see(/gated\s+merged/);
    expect(repo.state("gated")).toBe("merged");

    // j selects the running stage: its live log; a attaches to its session, and the dashboard
    // comes back when the client detaches.
    press("j");
    await see(/▶ long\s+running/);
    await see(/waiting for the test/);
    // A refusal reads as the CLI's error, its message and hint, never a stack trace.
    press("v");
    shown = await see(/error\[STAGE_NOT_AT_GATE\]: long is running, not awaiting verification/);
    expect(shown).toContain("hint: long has no human gate (verify: auto)");
    expect(shown).not.toMatch(/^\s+at /m);
    press("a");
    await waitFor(() => repo.tmux("list-clients", "-F", "#{session_name}").includes("flux-long"), {
      what: "a client attached to flux-long",
    });
    repo.tmux("detach-client", "-s", "flux-long");
    await see(/Back from long's session\./);

    // m asks, y merges a stage that waits for `flux merge`.
    press("j");
    await see(/▶ held\s+completed/);
    press("m");
    await see(/Merge held into main now\?/);
    press("y");
    await see(/Merged held as [0-9a-f]{8}\./);
    await see(/▶ held\s+merged/);
    press("k");

    // A blocked stage: r resumes it, and once its gate opens it merges.
    const live = repo.sessions("long").at(-1)!;
    await repo.ok(["sessions", "kill", live.id]);
    await see(/▶ long\s+blocked\s+command\s+killed by user/);
    // Nothing can move without a human now: `flux run` says so and ends; the daemon stays.
    expect(await run.exit).toBe(4);
    press("r");
    await see(/Resumed long: a new session starts/);
    await see(/▶ long\s+running/);
    await waitFor(() => repo.sessions("long").length === 2, { what: "long's second session" });
    await repo.open("long");
    await see(/long\s+merged/);

    // q quits cleanly and gives the terminal back.
    press("q");
    await see(/^flux tui exited 0$/m);
    expect(term.tmux("display-message", "-p", "-t", "tui", "#{alternate_on}").trim()).toBe("0");
    expect(repo.mergedOrder().sort()).toEqual(["gated", "held", "long"]);

    // SIGTERM from elsewhere quits it too, and gives the terminal back (exit 130).
    term.tmux(
      "new-window",
      "-t",
      "tui",
      "-n",
      "sig",
      "-c",
      repo.dir,
      "-e",
      `TMUX_TMPDIR=${tmuxTmpdir}`,
      command,
    );
    target = "tui:sig";
    await see(/── Log · ses_/);
    const shell = term.tmux("display-message", "-p", "-t", target, "#{pane_pid}").trim();
    const node = execFileSync("pgrep", ["-P", shell], { encoding: "utf8" }).trim();
    process.kill(Number(node), "SIGTERM");
    await see(/^flux tui exited 130$/m);
    expect(term.tmux("display-message", "-p", "-t", target, "#{alternate_on}").trim()).toBe("0");
  });

  it("is refused inside a session, and without a terminal", async () => {
    await using repo = await engineRepo({
      stagesYaml: `    - id: one\n      command: "true"\n`,
    });
    const inSession = await repo.run(["tui"], { FLUX_SESSION_ID: "ses_x" });
    expect(inSession.code).toBe(4);
    expect(inSession.stderr).toContain("REFUSED_IN_SESSION");
    const noTerminal = await repo.run(["tui"]);
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toContain("flux tui needs a terminal");
  });
});
