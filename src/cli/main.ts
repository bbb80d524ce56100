/**
 * The `flux` command line. Command modules load lazily, so `flux status` pays only for what it
 * uses (bench/status). Every command returns an exit code from ExitCode; only bin/flux.js exits.
 */
import { Argument, Command, CommanderError, Option } from "commander";
import { ExitCode } from "../core/errors.ts";
import { reportError } from "./errors.ts";
import type { Output } from "./output.ts";
import { stdOutput } from "./output.ts";
import { VERSION } from "./version.ts";

export interface CommandContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  output: Output;
}

type Run = (ctx: CommandContext) => Promise<number>;

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}

export function buildProgram(
  ctx: CommandContext,
  setResult: (run: Run, json: boolean) => void,
): Command {
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

  program
    .command("init")
    .description("parse and validate a plan, then store it in .work/ (again: reconcile the edits)")
    .argument("<plan-path>", "the plan's markdown file")
    .option(
      "--force",
      "drop or rewrite stages that already started; replace a plan with unmerged stages",
    )
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      examples("flux init doc/plans/PLAN-auth.md", "flux init doc/plans/PLAN-auth.md --force"),
    )
    .action((planPath: string, opts: { force?: boolean; json?: boolean }) => {
      setResult(
        async (c) => (await import("./commands/init.ts")).init(c, planPath, opts),
        opts.json === true,
      );
    });

  program
    .command("status")
    .description("plan progress, stage states, what each stage waits on, sessions")
    .option("--json", "print the status as JSON")
    .option("-w, --watch", "redraw whenever the state changes (Ctrl-C to stop)")
    .addHelpText(
      "after",
      examples(
        "flux status",
        "flux status --json | jq '.stages[] | select(.state==\"ready\")'",
        "flux status --watch",
      ),
    )
    .action((opts: { json?: boolean; watch?: boolean }) => {
      setResult(
        async (c) => (await import("./commands/status.ts")).status(c, opts),
        opts.json === true,
      );
    });

  const graph = program.command("graph").description("show or edit the stage graph");
  graph
    .command("show", { isDefault: true })
    .description("draw the stage DAG: levels, edges, states")
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["text", "dot", "mermaid", "json"])
        .default("text"),
    )
    .addHelpText(
      "after",
      examples(
        "flux graph show",
        "flux graph show --format dot | dot -Tsvg > plan.svg",
        "flux graph show --format mermaid",
      ),
    )
    .action((opts: { format: "text" | "dot" | "mermaid" | "json" }) => {
      setResult(
        async (c) => (await import("./commands/graph.ts")).graphShow(c, opts),
        opts.format === "json",
      );
    });
  graph
    .command("edit")
    .description("open the plan in $VISUAL/$EDITOR, then validate and reconcile it on save")
    .option("--force", "apply even when started stages are dropped or rewritten")
    .addHelpText("after", examples("flux graph edit", "EDITOR='code -w' flux graph edit"))
    .action((opts: { force?: boolean }) => {
      setResult(async (c) => (await import("./commands/graph.ts")).graphEdit(c, opts), false);
    });

  program
    .command("stage")
    .description("force a stage along a manual edge: complete --force, block, reset, skip, cancel")
    .argument("<id>", "the stage id")
    .argument("<action>", "complete | block | reset | skip | cancel")
    .option("--force", "with complete: accept without running acceptance (needs --reason)")
    .option("--reason <text>", "why: recorded in the event log and shown in status")
    .option("--json", "print the resulting stage as JSON")
    .addHelpText(
      "after",
      examples(
        'flux stage stage-2-api block --reason "waiting for the API keys"',
        "flux stage stage-2-api reset",
        'flux stage stage-1 complete --force --reason "done by hand"',
        "flux stage stage-3 skip",
      ),
    )
    .action(
      (id: string, action: string, opts: { force?: boolean; reason?: string; json?: boolean }) => {
        setResult(
          async (c) => (await import("./commands/stage.ts")).stage(c, id, action, opts),
          opts.json === true,
        );
      },
    );

  program
    .command("validate")
    .description("check the database, the .work/ projections and the plan file against each other")
    .option("--json", "print the findings as JSON")
    .option("--fix", "rewrite the projections from the database")
    .addHelpText("after", examples("flux validate", "flux validate --fix"))
    .action((opts: { json?: boolean; fix?: boolean }) => {
      setResult(
        async (c) => (await import("./commands/validate.ts")).validate(c, opts),
        opts.json === true,
      );
    });

  program
    .command("doctor")
    .description("check the machine: Node, git, tmux, agent CLIs and their versions")
    .option("--json", "print the findings as JSON")
    .addHelpText("after", examples("flux doctor", "flux doctor --json"))
    .action((opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("./commands/doctor.ts")).doctor(c, opts),
        opts.json === true,
      );
    });

  const plan = program
    .command("plan")
    .description("write plan templates, print the plan JSON Schema");
  plan
    .command("new")
    .description("write a commented plan template to doc/plans/PLAN-<name>.md")
    .argument("<name>", "a short name: lowercase letters, digits, dashes")
    .option("--force", "overwrite an existing file")
    .addHelpText("after", examples("flux plan new auth"))
    .action((name: string, opts: { force?: boolean }) => {
      setResult(async (c) => (await import("./commands/plan.ts")).planNew(c, name, opts), false);
    });
  plan
    .command("schema")
    .description("print the JSON Schema of the plan metadata (for editors)")
    .addHelpText("after", examples("flux plan schema > plan.schema.json"))
    .action(() => {
      setResult(async (c) => (await import("./commands/plan.ts")).planSchema(c), false);
    });

  program
    .command("completion")
    .description("print a shell completion script")
    .addArgument(new Argument("<shell>", "bash | zsh | fish").choices(["bash", "zsh", "fish"]))
    .addHelpText(
      "after",
      examples(
        "flux completion bash > /etc/bash_completion.d/flux",
        'eval "$(flux completion zsh)"',
      ),
    )
    .action((shell: "bash" | "zsh" | "fish") => {
      setResult(
        async (c) => (await import("./commands/completion.ts")).completion(c, shell, program),
        false,
      );
    });

  return program;
}

export async function main(argv: string[], ctx: Partial<CommandContext> = {}): Promise<number> {
  const context: CommandContext = {
    cwd: ctx.cwd ?? process.cwd(),
    env: ctx.env ?? process.env,
    output: ctx.output ?? stdOutput(ctx.env ?? process.env),
  };
  let run: Run | undefined;
  let asJson = false;
  const program = buildProgram(context, (r, json) => {
    run = r;
    asJson = json;
  });
  program.exitOverride();
  for (const sub of program.commands) {
    sub.exitOverride();
    for (const leaf of sub.commands) leaf.exitOverride();
  }
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
      ) {
        return ExitCode.ok;
      }
      return ExitCode.usage;
    }
    return reportError(context.output, error, false);
  }
  if (run === undefined) return ExitCode.ok;
  try {
    return await run(context);
  } catch (error) {
    return reportError(context.output, error, asJson);
  }
}
