/**
 * `flux tui`: the full-screen dashboard (docs/cli.md). The stages with their state and context,
 * the selected stage's sessions and the live log of its latest one, refreshed when `.work/`
 * changes (./source.ts), and keys that run what the CLI's commands run (./actions.ts).
 *
 * Only `flux tui` loads this module, and ink and React are imported from here only: no other
 * command pays for them at start-up. The app runs on the terminal's alternate screen, which is
 * left as it was found on every way out. Attaching to a session ends the app, hands the terminal
 * to tmux, and mounts the app again where it was.
 */
import { spawnSync } from "node:child_process";
import { ExitCode, FluxError } from "../../core/errors.ts";
import { loadSettings, refuseInsideSession, requireWorkPaths } from "../context.ts";
import type { CommandContext } from "../main.ts";
import type { Exit, Message, UiState, runApp } from "./app.tsx";
import { StatusSource } from "./source.ts";

export async function tui(ctx: CommandContext): Promise<number> {
  refuseInsideSession(ctx.env, "flux tui", ctx.cwd);
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const config = loadSettings(ctx, paths);
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true)
    throw new FluxError("USAGE", "flux tui needs a terminal: its input or output is not one", {
      hint: "`flux status --watch` follows the run without one",
    });
  using source = new StatusSource(paths, config.context, ctx.env);
  // ink takes most of a second to load: the first read of the view goes on meanwhile.
  const [app] = await Promise.all([loadApp(), source.start()]);
  const ui: UiState = {
    selectedId: undefined,
    index: 0,
    top: 0,
    showLog: true,
    message: undefined,
  };
  const screen = alternateScreen(process.stdout);
  const stop = new AbortController();
  // Ctrl-C is a key while the app reads the terminal raw; a signal from elsewhere quits it, and
  // a second one does not wait. `on`, not `once`: ink's exit hook acts on a signal itself (and
  // kills the process) when no other listener is left.
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const interrupted = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) return stop.abort();
    for (const s of signals) process.off(s, interrupted);
    screen.leave();
    process.kill(process.pid, signal);
  };
  for (const signal of signals) process.on(signal, interrupted);
  try {
    for (;;) {
      screen.enter();
      const exit = await app.runApp({
        ctx,
        work: paths.work,
        source,
        ui,
        color: ctx.output.color,
        signal: stop.signal,
      });
      screen.leave();
      if (exit.kind === "quit") return stop.signal.aborted ? ExitCode.interrupted : ExitCode.ok;
      if (exit.kind === "failed") throw exit.error;
      ui.message = attach(exit);
    }
  } finally {
    screen.leave();
    for (const signal of signals) process.off(signal, interrupted);
  }
}

/**
 * Imports the app, with ink and React. ink decides once, as it loads, whether it runs in CI (`CI`
 * or `CONTINUOUS_INTEGRATION` set) and then draws nothing but its last frame at exit; a terminal
 * someone looks at is no CI log, so those variables are hidden while it loads. React takes its
 * production build unless NODE_ENV says otherwise: the development one is slower and writes its
 * warnings over the screen.
 */
async function loadApp(): Promise<{ runApp: typeof runApp }> {
  const saved = new Map<string, string | undefined>();
  for (const key of ["CI", "CONTINUOUS_INTEGRATION", "NODE_ENV"]) saved.set(key, process.env[key]);
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  process.env.NODE_ENV = saved.get("NODE_ENV") ?? "production";
  try {
    return await import("./app.tsx");
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

function alternateScreen(out: NodeJS.WriteStream): { enter(): void; leave(): void } {
  let on = false;
  return {
    enter() {
      if (on) return;
      out.write("\u001b[?1049h\u001b[H");
      on = true;
    },
    leave() {
      if (!on) return;
      out.write("\u001b[?1049l");
      on = false;
    },
  };
}

/**
 * Runs `flux attach`'s tmux command with the terminal, and says how it went. spawnSync, not
 * spawn: while tmux has the terminal this process must not read it, and a running event loop
 * keeps reading standard input — it would swallow keys meant for the session.
 */
function attach(exit: Extract<Exit, { kind: "attach" }>): Message {
  const { command, args, env } = exit.command;
  const result = spawnSync(command, args, {
    stdio: ["inherit", "inherit", "pipe"],
    env,
    encoding: "utf8",
  });
  if (result.error !== undefined)
    return { text: `${command} did not start: ${result.error.message}`, tone: "error" };
  if (result.status === 0) return { text: `Back from ${exit.stageId}'s session.`, tone: "info" };
  const how = result.status === null ? String(result.signal) : `exit ${result.status}`;
  return {
    text: `Attaching to ${exit.stageId} failed (${how}): ${result.stderr.trim()}`,
    tone: "error",
  };
}
