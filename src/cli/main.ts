/**
 * The `flux` command line. Command modules load lazily, so `flux status` pays only for what it
 * uses (bench/status). Every command returns an exit code from ExitCode; only bin/flux.js exits.
 */
import path from "node:path";
import { Command, CommanderError } from "commander";
import { ExitCode } from "../core/errors.ts";
import { reportError } from "./errors.ts";
import type { Output } from "./output.ts";
import { stdOutput } from "./output.ts";
import { registerHandoffCommands } from "./program/handoff.ts";
import { registerPlanCommands } from "./program/plan.ts";
import { registerRunCommands } from "./program/run.ts";
import { registerSessionCommands } from "./program/sessions.ts";
import type { Run, SetResult } from "./program/shared.ts";
import { examples } from "./program/shared.ts";
import { registerToolCommands } from "./program/tools.ts";
import { UsageError, refuseUnknownHelpTopic, throwUsageErrors } from "./program/usage.ts";
import { VERSION } from "./version.ts";

export interface CommandContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  output: Output;
  /** Absolute path of this `flux` (bin/flux.js): sessions call it as "$FLUX_BIN". */
  fluxBin: string;
}

export function buildProgram(ctx: CommandContext, setResult: SetResult): Command {
  const program = new Command("flux")
    .description("Turns a plan into finished, merged work by running coding agents in parallel.")
    .version(VERSION, "-V, --version", "print the flux version")
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => ctx.output.out(s.trimEnd()),
      writeErr: (s) => ctx.output.err(s.trimEnd()),
    })
    .addHelpText(
      "after",
      examples(
        "flux plan new auth",
        "flux init doc/plans/PLAN-auth.md",
        "flux status",
        "flux graph show",
      ) +
        "\nExit codes: 0 ok · 1 internal error · 2 usage · 3 invalid plan · 4 refused · 5 not found ·\n" +
        "            6 environment · 7 check failed · 130 interrupted  (docs/cli.md)\n",
    );

  // Registration order is the order `flux --help` lists the commands in.
  registerPlanCommands(program, setResult);
  registerRunCommands(program, setResult);
  registerHandoffCommands(program, setResult);
  registerSessionCommands(program, setResult);
  registerToolCommands(program, setResult);

  return program;
}

export async function main(argv: string[], ctx: Partial<CommandContext> = {}): Promise<number> {
  const context: CommandContext = {
    cwd: ctx.cwd ?? process.cwd(),
    env: ctx.env ?? process.env,
    output: ctx.output ?? stdOutput(ctx.env ?? process.env),
    fluxBin: ctx.fluxBin ?? path.resolve(process.argv[1] ?? "flux"),
  };
  let run: Run | undefined;
  let asJson = false;
  const program = buildProgram(context, (r, json) => {
    run = r;
    asJson = json;
  });
  // Commander's usage errors come back as UsageErrors (program/usage.ts); what it still throws
  // itself says that the help or the version was printed.
  throwUsageErrors(program, argv);
  try {
    refuseUnknownHelpTopic(program, argv);
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return ExitCode.ok;
    return reportError(context.output, error, error instanceof UsageError && error.json);
  }
  if (run === undefined) return ExitCode.ok;
  try {
    return await run(context);
  } catch (error) {
    return reportError(context.output, error, asJson);
  }
}
