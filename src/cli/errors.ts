/** The CLI's one translation of errors into text and exit codes. */
import type { Diagnostic } from "../core/diagnostics.ts";
import { location } from "../core/diagnostics.ts";
import { ExitCode, FluxError, fromSqliteError, fromSystemError } from "../core/errors.ts";
import { writeErrorLog } from "./error-log.ts";
import type { Output } from "./output.ts";
import { paint } from "./output.ts";

/** How the database is named in messages from commands that do not know its full path. */
const DB_NAME = ".work/flux.db";

export function printDiagnostics(output: Output, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) {
    const label =
      d.severity === "error"
        ? paint(output.color, "red", "error")
        : paint(output.color, "yellow", "warning");
    output.err(`${paint(output.color, "bold", location(d))}: ${label}[${d.code}]: ${d.message}`);
    if (d.hint !== undefined) output.err(`  ${paint(output.color, "dim", "hint:")} ${d.hint}`);
  }
}

/** Prints an error for a person (or as JSON) and returns the exit code. */
export function reportError(output: Output, raw: unknown, asJson: boolean): number {
  // What the machine refused is not a bug: say what is wrong and what to do.
  const error =
    raw instanceof FluxError ? raw : (fromSqliteError(raw, DB_NAME) ?? fromSystemError(raw) ?? raw);
  if (error instanceof FluxError) {
    if (asJson) output.out(JSON.stringify({ error: error.toJSON() }, null, 2));
    else {
      output.err(`${paint(output.color, "red", "error")}[${error.code}]: ${error.message}`);
      if (error.hint !== undefined)
        output.err(`  ${paint(output.color, "dim", "hint:")} ${error.hint}`);
    }
    return error.exitCode;
  }
  // Anything else is a bug: keep the stack out of the user's face, but keep it — in a private
  // directory, in a file created afresh (a planted file or symlink is never written through).
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  let log = "";
  let where: string;
  try {
    log = writeErrorLog(`${new Date().toISOString()}\n${detail}\n`);
    where = `the details are in ${log}`;
  } catch {
    where = `details: ${detail}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (asJson) output.out(JSON.stringify({ error: { code: "INTERNAL", message, log } }, null, 2));
  else {
    output.err(`${paint(output.color, "red", "internal error")}: ${message}`);
    output.err(`  This is a bug in flux; ${where}. Please report it with that file.`);
  }
  return ExitCode.internal;
}
