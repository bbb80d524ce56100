/** Finds external programs and asks them their version, with argument arrays only. */
import { execFileSync } from "node:child_process";

export interface ToolProbe {
  /** The version line the tool printed, or undefined when it is not installed. */
  version: string | undefined;
  error?: string | undefined;
}

export function probeTool(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ToolProbe {
  try {
    const out = execFileSync(command, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 15_000,
      env,
    });
    return { version: out.trim().split("\n")[0]?.trim() };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") return { version: undefined };
    return { version: undefined, error: (e.stderr ?? e.message).trim().split("\n")[0] };
  }
}

/** The first dotted number in a version line: "git version 2.39.5" → [2, 39, 5]. */
export function parseVersion(line: string): number[] | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(line);
  if (m === null) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function atLeast(version: readonly number[], minimum: readonly number[]): boolean {
  for (let i = 0; i < minimum.length; i++) {
    const a = version[i] ?? 0;
    const b = minimum[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}
