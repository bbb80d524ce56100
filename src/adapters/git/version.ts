/**
 * Which git is installed, checked against MIN_GIT_VERSION. Flux does not probe git up front:
 * an old git fails at its first `merge-tree --write-tree` with a usage message, and that failure
 * asks here whether the version is the reason (GIT_TOO_OLD rather than a bare GIT_FAILED).
 */
import { MIN_GIT_VERSION } from "../../core/requirements.ts";
import { atLeast, parseVersion, probeTool } from "../system/tools.ts";

/** The installed git's version ("2.39.5"), or undefined when git does not answer. */
export function installedGitVersion(bin = "git"): string | undefined {
  const line = probeTool(bin, ["--version"]).version;
  return line === undefined ? undefined : (parseVersion(line)?.join(".") ?? line);
}

export function isGitSupported(version: string): boolean {
  const parts = parseVersion(version);
  return parts === undefined || atLeast(parts, parseVersion(MIN_GIT_VERSION) ?? []);
}
