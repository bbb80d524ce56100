/** What the command registrations share: how an action hands its work back, and help examples. */
import type { CommandContext } from "../main.ts";

/** A command's work: runs after parsing, returns an exit code from ExitCode. */
export type Run = (ctx: CommandContext) => Promise<number>;

/** Called by an action with its work and whether errors should print as JSON. */
export type SetResult = (run: Run, json: boolean) => void;

export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}
