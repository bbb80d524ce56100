/**
 * A private tmux server per test: `await using tmux = privateTmux()`. Its socket name is unique
 * and lives in its own TMUX_TMPDIR (tmux leaves socket files behind), its config is /dev/null
 * (the machine's ~/.tmux.conf cannot change results), and disposing kills the server with every
 * session on it and removes the directory.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { TmuxBackend } from "../../src/adapters/tmux/index.ts";
import type { TmuxBackendOptions } from "../../src/adapters/tmux/index.ts";
import { mustRemove } from "./leaks.ts";

export interface PrivateTmux extends AsyncDisposable {
  socket: string;
  /** This server's socket file (under its own TMUX_TMPDIR). */
  socketFile: string;
  backend: TmuxBackend;
  /** Runs tmux on this server (for assertions), returning stdout. */
  tmux: (...args: string[]) => string;
}

export function privateTmux(options: Omit<TmuxBackendOptions, "socket"> = {}): PrivateTmux {
  const socket = `flux-test-${process.pid}-${randomBytes(4).toString("hex")}`;
  // Short on purpose: a unix socket path has room for about 100 bytes.
  const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), "fxt-"));
  mustRemove(tmpdir, "a privateTmux() that was not disposed");
  const env = { ...(options.env ?? process.env), TMUX_TMPDIR: tmpdir };
  const backend = new TmuxBackend({ configFile: "/dev/null", ...options, env, socket });
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8", stdio: "pipe", env });
  return {
    socket,
    socketFile: path.join(tmpdir, `tmux-${process.getuid?.() ?? 0}`, socket),
    backend,
    tmux,
    [Symbol.asyncDispose]: () => {
      try {
        tmux("kill-server");
      } catch (error) {
        // A test that never started the server (or whose sessions all ended) leaves none.
        const stderr = (error as { stderr?: string }).stderr ?? "";
        if (!/no server running|error connecting to/.test(stderr)) throw error;
      }
      fs.rmSync(tmpdir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

export interface WaitOptions {
  /** Give up after this long, in ms. Default 10 000. */
  timeoutMs?: number;
  /** Look again after this long, in ms. Default 25. */
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/**
 * Retries `probe` until it returns something other than undefined/false, or times out.
 * Only for things that have no event to wait on: text appearing in a pane, a file a process
 * writes, a process disappearing. This is the one place tests may sleep.
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 25, what = "condition" } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Waits until the session's pane (or log) shows `text`; returns the captured text. */
export function waitForText(
  backend: { capture(name: string, lines?: number): Promise<string> },
  name: string,
  text: string,
  options: WaitOptions = {},
): Promise<string> {
  return waitFor(
    async () => {
      const pane = await backend.capture(name);
      return pane.includes(text) ? pane : undefined;
    },
    { what: `"${text}" in ${name}`, ...options },
  );
}

/** Where tmux keeps the socket of server `name` (and leaves the file behind when it exits). */
export function tmuxSocketFile(name: string): string {
  const uid = process.getuid?.() ?? 0;
  return path.join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${uid}`, name);
}
