/**
 * Session backends: where an agent's process runs. tmux when it is there (a human can attach),
 * detached processes otherwise; both keep the SessionBackend contract.
 */
import { tmuxMissing, tmuxTooOld } from "../../core/errors.ts";
import { ProcessBackend } from "../process/index.ts";
import { TmuxBackend, isTmuxSupported, tmuxVersion } from "../tmux/index.ts";
import type { SessionBackend } from "./backend.ts";

export * from "./backend.ts";

export interface ChooseBackendOptions {
  /** "auto": tmux when a supported tmux answers `tmux -V`, else processes. */
  preferred: "tmux" | "process" | "auto";
  /** tmux server socket name (`-L`), one per repository. */
  socket: string;
  /** State directory of the process backend. */
  stateDir: string;
  /** The tmux executable. Default "tmux". */
  tmuxBin?: string;
  /** Run by tmux whenever one of its sessions closes (TmuxBackendOptions.onSessionClosed). */
  onSessionClosed?: string;
}

export function chooseBackend(opts: ChooseBackendOptions): SessionBackend {
  const processBackend = () => new ProcessBackend({ stateDir: opts.stateDir });
  if (opts.preferred === "process") return processBackend();
  const bin = opts.tmuxBin ?? "tmux";
  const version = tmuxVersion(bin);
  const supported = version !== undefined && isTmuxSupported(version);
  if (supported) {
    return new TmuxBackend({
      socket: opts.socket,
      tmuxBin: bin,
      ...(opts.onSessionClosed === undefined ? {} : { onSessionClosed: opts.onSessionClosed }),
    });
  }
  if (opts.preferred === "auto") return processBackend();
  if (version === undefined) throw tmuxMissing(bin);
  throw tmuxTooOld(version);
}
