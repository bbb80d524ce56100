/**
 * `flux run`: asks the daemon to run (starting it when needed) and follows its events until
 * the plan is done or nothing more can move; then prints what waits on whom. Ctrl-C stops
 * following, never the work. `--foreground` hosts the engine in this process.
 */
import { remoteMissing, remoteUrl } from "../../adapters/git/index.ts";
import { resetTime } from "../../core/limits/policy.ts";
import { TERMINAL_STATES } from "../../core/stage/states.ts";
import { ExitCode, FluxError, badMaxParallel, daemonGone } from "../../core/errors.ts";
import type { RunProgress } from "../../engine/engine.ts";
import { startDaemon } from "../../server/daemon.ts";
import { daemonOptions } from "./daemon.ts";
import type { FluxEvent } from "../../store/events.ts";
import type { DaemonClient } from "../client.ts";
import { clientFor, ensureDaemon } from "../client.ts";
import {
  loadSettings,
  openStore,
  refuseInsideSession,
  requireActivePlan,
  requireWorkPaths,
} from "../context.ts";
import type { CommandContext } from "../main.ts";
import { paint, paintState } from "../output.ts";
import { VERSION } from "../version.ts";

export interface RunOptions {
  stage?: string;
  withDeps?: boolean;
  manual?: boolean;
  maxParallel?: string;
  foreground?: boolean;
}

export async function run(ctx: CommandContext, opts: RunOptions): Promise<number> {
  refuseInsideSession(ctx.env, "flux run");
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const config = loadSettings(ctx, paths);
  let since: number;
  let pullRequests: boolean;
  {
    using store = openStore(paths);
    const plan = requireActivePlan(store);
    since = store.lastSeq();
    pullRequests = store
      .stages(plan.id)
      .some((s) => s.spec.merge === "pr" && !TERMINAL_STATES.has(s.state));
  }
  // `merge: pr` pushes to the remote once a stage passes: a missing one is said now, not then.
  if (pullRequests && (await remoteUrl(paths.root, config.remote)) === undefined)
    throw remoteMissing(config.remote);
  const maxParallel = opts.maxParallel === undefined ? undefined : Number(opts.maxParallel);
  if (maxParallel !== undefined && (!Number.isInteger(maxParallel) || maxParallel < 1)) {
    throw badMaxParallel(opts.maxParallel, "--max-parallel");
  }
  let client: DaemonClient;
  let stopLocal: (() => Promise<void>) | undefined;
  if (opts.foreground === true) {
    const debug = (line: string) => {
      if (ctx.env.FLUX_DEBUG !== undefined) ctx.output.err(line);
    };
    const handle = await startDaemon(daemonOptions(ctx, paths, debug, { idleTimeoutMs: 0 }));
    client = clientFor(
      {
        pid: process.pid,
        url: handle.url,
        token: handle.token,
        startedAt: "",
        version: VERSION,
        stateDir: "",
      },
      {},
    );
    stopLocal = () => handle.stop();
  } else {
    client = await ensureDaemon(paths, ctx.env, ctx.fluxBin);
  }
  const accepted = await client.call("run", {
    body: {
      stage: opts.stage,
      withDeps: opts.withDeps === true,
      manual: opts.manual === true,
      maxParallel: maxParallel ?? config.maxParallel,
      env: ctx.env,
    },
  });
  const c = ctx.output.color;
  ctx.output.out(
    `Running ${accepted.scope === null ? "the plan" : accepted.scope.join(", ")} · up to ${accepted.maxParallel} at once${accepted.manual ? " · manual: start each session with the command shown" : ""}`,
  );
  if (accepted.envChanged) {
    ctx.output.out(
      paint(
        c,
        "yellow",
        "This environment applies to sessions started from now on; running sessions keep theirs.",
      ),
    );
  }
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  try {
    const position = { seen: since };
    for (let reconnects = 0; ; reconnects++) {
      try {
        return await follow(
          ctx,
          client,
          position,
          abort.signal,
          opts.manual === true,
          accepted.scope,
        );
      } catch (error) {
        // The daemon went away (killed, crashed): what it did is in the store, and a new one
        // goes on from there. Follow it, from the last event shown. A daemon this process
        // hosts went with it: nothing to reconnect to.
        // Mid-stream (DAEMON_GONE) or between two calls (DAEMON_UNREACHABLE): it went away.
        const gone =
          error instanceof FluxError &&
          (error.code === "DAEMON_GONE" || error.code === "DAEMON_UNREACHABLE");
        if (!gone || abort.signal.aborted || stopLocal !== undefined || reconnects >= 3)
          throw error;
        ctx.output.out(
          paint(
            ctx.output.color,
            "yellow",
            `The daemon went away; starting it again and following from event ${position.seen}.`,
          ),
        );
        client = await ensureDaemon(paths, ctx.env, ctx.fluxBin);
      }
    }
  } catch (error) {
    if (abort.signal.aborted) {
      ctx.output.out(
        "\nStopped following; the work goes on. `flux status` shows it, `flux run` follows again.",
      );
      return ExitCode.interrupted;
    }
    throw error;
  } finally {
    process.off("SIGINT", onSigint);
    if (stopLocal !== undefined) await stopLocal();
  }
}

async function follow(
  ctx: CommandContext,
  client: DaemonClient,
  position: { seen: number },
  signal: AbortSignal,
  manual: boolean,
  scope: string[] | null,
): Promise<number> {
  const shownManual = new Set<string>();
  let caughtUp = false;
  const since = position.seen;
  let seen = since;
  /** A final answer waits until the events it reflects have been printed. */
  let final: RunProgress | undefined;
  const lines = client.stream("events", { query: { since: String(since) } }, { signal });
  for await (const line of lines) {
    if (line.type === "caught_up") caughtUp = true;
    else if (line.type === "settled") {
      // No event: the engine finished a pass; progress may have changed.
    } else {
      seen = line.seq;
      position.seen = seen;
      printEvent(ctx, line);
    }
    if (!caughtUp) continue;
    if (final === undefined || seen < final.seq) {
      if (final !== undefined) continue;
      const progress = await client.call("progress");
      if (manual) showManual(ctx, progress, shownManual);
      if (progress.active) continue;
      final = progress;
      if (seen < final.seq) continue;
    }
    return conclude(ctx, final, scope);
  }
  throw daemonGone("events");
}

function showManual(ctx: CommandContext, progress: RunProgress, shown: Set<string>): void {
  for (const [stage, command] of Object.entries(progress.manualCommands)) {
    if (shown.has(stage)) continue;
    shown.add(stage);
    ctx.output.out(`Start ${stage} by hand:\n  ${command}`);
  }
}

function conclude(ctx: CommandContext, progress: RunProgress, scope: string[] | null): number {
  if (progress.done) {
    ctx.output.out(
      paint(
        ctx.output.color,
        "green",
        scope === null
          ? "Done: every stage is merged, skipped or cancelled."
          : `Done: ${scope.join(", ")} ${scope.length === 1 ? "is" : "are"} merged, skipped or cancelled (the rest of the plan was not in this run: \`flux run\` runs it).`,
      ),
    );
    return ExitCode.ok;
  }
  printWaiting(ctx, progress);
  return ExitCode.refused;
}

function printEvent(ctx: CommandContext, event: FluxEvent): void {
  const c = ctx.output.color;
  const time = paint(c, "dim", event.at.slice(11, 19));
  const stage = event.stageId ?? "";
  // Destructured together, `type` narrows `d` to that event's data (store/events.ts).
  const { type, data: d } = event;
  switch (type) {
    case "stage.transitioned": {
      const why =
        typeof d.reason === "string" ? paint(c, "dim", `  ${d.reason.split("\n")[0] ?? ""}`) : "";
      ctx.output.out(
        `${time} ${stage.padEnd(20)} ${paintState(c, d.from)} → ${paintState(c, d.to)}${why}`,
      );
      return;
    }
    case "session.created":
      ctx.output.out(
        `${time} ${stage.padEnd(20)} ${paint(c, "dim", `session ${String(d.session)} (${String(d.agent)}, ${String(d.purpose)})`)}`,
      );
      return;
    case "run.notice":
      ctx.output.out(`${time} ${paint(c, "yellow", `note: ${String(d.text)}`)}`);
      return;
    case "session.ended":
      ctx.output.out(
        `${time} ${stage.padEnd(20)} ${paint(c, "dim", `session ${String(d.session)} ended (${d.status === "exited" ? `exit ${String(d.exitCode)}` : String(d.status)})`)}`,
      );
      return;
    case "session.waiting":
      ctx.output.out(
        `${time} ${stage.padEnd(20)} ${paint(c, "yellow", `waiting for input: ${String(d.reason)}`)}${paint(c, "dim", `  (flux attach ${stage})`)}`,
      );
      return;
    case "agent.limited": {
      const what = `${d.agent} ${d.kind === "rate_limit" ? "rate" : "usage"} limit until ${resetTime(Date.parse(d.until), Date.now())}`;
      const said = d.message === "" ? "" : paint(c, "dim", `  ${d.message.split("\n")[0] ?? ""}`);
      ctx.output.out(`${time} ${stage.padEnd(20)} ${paint(c, "yellow", what)}${said}`);
      return;
    }
    case "flow.changed":
      ctx.output.out(
        `${time} ${paint(c, "yellow", `flow: ${d.mode}`)}${paint(c, "dim", `  (was ${d.previous}, by ${d.by})`)}`,
      );
      return;
    case "acceptance.finished":
      ctx.output.out(
        `${time} ${stage.padEnd(20)} acceptance ${d.passed === true ? paint(c, "green", "passed") : paint(c, "red", "failed")} on ${String(d.commit).slice(0, 8)}`,
      );
      return;
    default:
      return;
  }
}

function printWaiting(ctx: CommandContext, progress: RunProgress): void {
  const c = ctx.output.color;
  ctx.output.out(paint(c, "yellow", "Nothing more can move without you:"));
  for (const w of progress.waiting) {
    const detail =
      w.waitsOn.length > 0 && w.state === "waiting"
        ? `waits on ${w.waitsOn.join(", ")}`
        : (w.reason ?? "");
    ctx.output.out(`  ${w.id.padEnd(20)} ${paintState(c, w.state)}  ${detail}`);
  }
}
