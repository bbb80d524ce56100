/** `flux daemon start [-d] | stop | status`. */
import fs from "node:fs";
import path from "node:path";
import { ExitCode, FluxError } from "../../core/errors.ts";
import { readDaemonInfo } from "../../server/daemon-file.ts";
import type { DaemonOptions } from "../../server/daemon.ts";
import { startDaemon } from "../../server/daemon.ts";
import type { WorkPaths } from "../../store/paths.ts";
import type { DaemonClient } from "../client.ts";
import { connectDaemon, ensureDaemon } from "../client.ts";
import { loadSettings, requireWorkPaths } from "../context.ts";
import type { CommandContext } from "../main.ts";
import { json, paint } from "../output.ts";
import { VERSION } from "../version.ts";

export async function daemonStart(
  ctx: CommandContext,
  opts: { detach?: boolean },
): Promise<number> {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  if (opts.detach === true) {
    const client = await ensureDaemon(paths, ctx.env, ctx.fluxBin);
    ctx.output.out(`Flux daemon ${client.info.pid} is running on ${client.info.url}.`);
    return ExitCode.ok;
  }
  const stamp = () => new Date().toISOString().slice(11, 23);
  const handle = await startDaemon(
    daemonOptions(ctx, paths, (line) => ctx.output.err(`${stamp()} ${line}`)),
  );
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(ExitCode.interrupted);
    void handle.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  await handle.closed;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  return ExitCode.ok;
}

/** The daemon's options from the layered settings: one place for `daemon start` and `run --foreground`. */
export function daemonOptions(
  ctx: CommandContext,
  paths: WorkPaths,
  log: (line: string) => void,
  overrides: Partial<DaemonOptions> = {},
): DaemonOptions {
  const config = loadSettings(ctx, paths);
  return {
    paths,
    fluxBin: ctx.fluxBin,
    version: VERSION,
    env: ctx.env,
    maxParallel: config.maxParallel,
    idleTimeoutMs: config.idleTimeoutMs,
    backend: config.backend,
    promptDir:
      config.promptDir === undefined ? undefined : path.resolve(paths.root, config.promptDir),
    stopReminders: config.stopReminders,
    context: config.context,
    handoffSteps: config.handoffSteps,
    handoffTimeoutMs: config.handoffTimeoutMs,
    limits: config.limits,
    health: config.health,
    predictIntervalMs: config.predictIntervalMs,
    remote: config.remote,
    prPollMs: config.prPollMs,
    notify:
      config.notify.command === undefined
        ? undefined
        : { command: config.notify.command, timeoutMs: config.notify.timeoutMs },
    backup: config.backup,
    log,
    ...overrides,
  };
}

export async function daemonStop(ctx: CommandContext): Promise<number> {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  let client: DaemonClient | undefined;
  try {
    client = await connectDaemon(paths, ctx.env);
  } catch (error) {
    // Its admin token is gone (its per-user state directory was removed): its owner can still
    // stop it, with a signal to the process daemon.json names — once it is verified to be one.
    const info = readDaemonInfo(paths.work);
    if (!(error instanceof FluxError && error.code === "UNAUTHORIZED") || info === undefined)
      throw error;
    if (!isFluxDaemon(info.pid)) throw error;
    process.kill(info.pid, "SIGTERM");
    await daemonGoneFrom(paths, info.pid);
    ctx.output.out(`Stopped the Flux daemon ${info.pid} (by signal: its admin token was gone).`);
    return ExitCode.ok;
  }
  if (client === undefined) {
    ctx.output.out("No Flux daemon is running.");
    return ExitCode.ok;
  }
  await client.call("shutdown");
  await daemonGoneFrom(paths, client.info.pid);
  ctx.output.out(`Stopped the Flux daemon ${client.info.pid}.`);
  return ExitCode.ok;
}

/** The daemon removes daemon.json as it exits: wait for that (an inotify wake-up), 15 s at most. */
function daemonGoneFrom(paths: WorkPaths, pid: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const watcher = fs.watch(paths.work, () => {
      if (readDaemonInfo(paths.work)?.pid !== pid) finish();
    });
    const timer = setTimeout(finish, 15_000);
    function finish() {
      clearTimeout(timer);
      watcher.close();
      resolve();
    }
    if (readDaemonInfo(paths.work)?.pid !== pid) finish();
  });
}

/** The process runs `flux daemon start` (a pid in daemon.json may have been reused). */
function isFluxDaemon(pid: number): boolean {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return argv.includes("daemon") && argv.includes("start");
  } catch {
    return false;
  }
}

export async function daemonStatus(ctx: CommandContext, opts: { json?: boolean }): Promise<number> {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const client = await connectDaemon(paths, ctx.env);
  if (opts.json === true) {
    ctx.output.out(
      json(
        client === undefined
          ? { running: false }
          : {
              running: true,
              pid: client.info.pid,
              url: client.info.url,
              startedAt: client.info.startedAt,
              version: client.info.version,
            },
      ),
    );
  } else if (client === undefined) {
    ctx.output.out("No Flux daemon is running (`flux run` starts one).");
  } else {
    ctx.output.out(
      `${paint(ctx.output.color, "green", "running")}: pid ${client.info.pid}, ${client.info.url}, since ${client.info.startedAt}`,
    );
  }
  return client === undefined ? ExitCode.checkFailed : ExitCode.ok;
}
