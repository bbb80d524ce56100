/**
 * The `flux` command line. Command modules load lazily, so `flux status` pays only for what it
 * uses (bench/status). Every command returns an exit code from ExitCode; only bin/flux.js exits.
 */
import path from "node:path";
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
  /** Absolute path of this `flux` (bin/flux.js): sessions call it as "$FLUX_BIN". */
  fluxBin: string;
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
    .description(
      "complete a stage (verified), or force a manual edge: complete --force, block, reset, skip, cancel",
    )
    .argument("<id>", "the stage id (inside a session: just `flux stage complete`)")
    .argument("[action]", "complete | block | reset | skip | cancel")
    .option("--force", "with complete: accept without running acceptance (needs --reason)")
    .option("--reason <text>", "why: recorded in the event log and shown in status")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      examples(
        "flux stage stage-2-api complete         # Flux runs the acceptance, then completes",
        '"$FLUX_BIN" stage complete            # the same, inside a session',
        'flux stage stage-2-api block --reason "waiting for the API keys"',
        "flux stage stage-2-api reset",
        'flux stage stage-1 complete --force --reason "done by hand"',
        "flux stage stage-3 skip",
      ),
    )
    .action(
      (
        first: string,
        second: string | undefined,
        opts: { force?: boolean; reason?: string; json?: boolean },
      ) => {
        // `flux stage complete`: the session form; "complete" can never be a stage id.
        const [id, action] = second === undefined ? [undefined, first] : [first, second];
        if (action === "complete" && opts.force !== true) {
          setResult(
            async (c) => (await import("./commands/gates.ts")).stageComplete(c, id, opts),
            opts.json === true,
          );
          return;
        }
        setResult(
          async (c) => (await import("./commands/stage.ts")).stage(c, id ?? "", action, opts),
          opts.json === true,
        );
      },
    );

  program
    .command("run")
    .description(
      "run the plan: worktrees and sessions for ready stages, verified completion, merges",
    )
    .option("--stage <id>", "run only this stage")
    .option("--with-deps", "with --stage: also run the stages it depends on")
    .option(
      "--manual",
      "prepare each session and print the command that starts it; Flux still tracks it",
    )
    .option("--max-parallel <n>", "sessions at once (default 4, or [run] max_parallel)")
    .option("--foreground", "host the engine in this process instead of the daemon")
    .addHelpText(
      "after",
      examples(
        "flux run",
        "flux run --stage api --with-deps",
        "flux run --max-parallel 2",
        "flux run --manual",
      ),
    )
    .action(
      (opts: {
        stage?: string;
        withDeps?: boolean;
        manual?: boolean;
        maxParallel?: string;
        foreground?: boolean;
      }) => {
        setResult(async (c) => (await import("./commands/run.ts")).run(c, opts), false);
      },
    );

  program
    .command("verify")
    .description("a human gate: re-run the acceptance, show the evidence, approve or reject")
    .argument("<id>", "the stage at its gate")
    .option("-y, --yes", "approve without asking")
    .option("--reject", "reject (with --reason): a new session gets the reason")
    .option("--reason <text>", "why it is rejected")
    .option("--json", "print the evidence and decision as JSON")
    .addHelpText(
      "after",
      examples(
        "flux verify api",
        "flux verify api --yes",
        'flux verify api --reject --reason "the 404 page is missing"',
      ),
    )
    .action(
      (id: string, opts: { yes?: boolean; reject?: boolean; reason?: string; json?: boolean }) => {
        setResult(
          async (c) => (await import("./commands/gates.ts")).verify(c, id, opts),
          opts.json === true,
        );
      },
    );

  program
    .command("merge")
    .description(
      "merge a completed stage now (merge: manual, or after a wait or a resolved conflict)",
    )
    .argument("<id>", "the stage")
    .option("--json", "print the outcome as JSON")
    .addHelpText("after", examples("flux merge api"))
    .action((id: string, opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("./commands/gates.ts")).merge(c, id, opts),
        opts.json === true,
      );
    });

  program
    .command("resume")
    .description("restart a blocked or failed stage with a recovery signal")
    .argument("<id>", "the stage")
    .addHelpText("after", examples("flux resume api"))
    .action((id: string) => {
      setResult(async (c) => (await import("./commands/gates.ts")).resume(c, id), false);
    });

  const attach = program
    .command("attach")
    .description("attach your terminal to a stage's session (detach: Ctrl-B D)")
    .argument("<target>", "a stage id or a session id, or `list`")
    .option("--json", "with list: print as JSON")
    .addHelpText("after", examples("flux attach list", "flux attach api"))
    .action((target: string, opts: { json?: boolean }) => {
      setResult(
        async (c) =>
          target === "list"
            ? (await import("./commands/sessions.ts")).attachList(c, opts)
            : (await import("./commands/sessions.ts")).attach(c, target),
        opts.json === true,
      );
    });
  void attach;

  const sessions = program.command("sessions").description("list or kill sessions");
  sessions
    .command("list", { isDefault: true })
    .description("sessions: id, stage, status, agent, backend, age")
    .option("--all", "include ended sessions")
    .option("--json", "print as JSON")
    .addHelpText("after", examples("flux sessions list", "flux sessions list --all --json"))
    .action((opts: { all?: boolean; json?: boolean }) => {
      setResult(
        async (c) => (await import("./commands/sessions.ts")).sessionsList(c, opts),
        opts.json === true,
      );
    });
  sessions
    .command("kill")
    .description('stop a session; its stage goes blocked ("killed by user")')
    .argument("<session-id>", "the session")
    .addHelpText("after", examples("flux sessions kill ses_0abc…"))
    .action((id: string) => {
      setResult(async (c) => (await import("./commands/sessions.ts")).sessionsKill(c, id), false);
    });

  const worktree = program
    .command("worktree")
    .description("list stage worktrees, clean finished ones");
  worktree
    .command("list", { isDefault: true })
    .description("worktrees: stage, state, uncommitted files, unmerged commits")
    .option("--json", "print as JSON")
    .addHelpText("after", examples("flux worktree list"))
    .action((opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("./commands/worktree.ts")).worktreeList(c, opts),
        opts.json === true,
      );
    });
  worktree
    .command("clean")
    .description("remove worktrees of merged, skipped or cancelled stages with nothing unmerged")
    .option("--json", "print as JSON")
    .addHelpText("after", examples("flux worktree clean"))
    .action((opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("./commands/worktree.ts")).worktreeClean(c, opts),
        opts.json === true,
      );
    });

  const daemon = program.command("daemon").description("the engine host of this repository");
  daemon
    .command("start")
    .description("start the daemon (in the foreground; -d to detach)")
    .option("-d, --detach", "run in the background (output to .work/logs/daemon.log)")
    .addHelpText("after", examples("flux daemon start -d", "flux daemon start"))
    .action((opts: { detach?: boolean }) => {
      setResult(async (c) => (await import("./commands/daemon.ts")).daemonStart(c, opts), false);
    });
  daemon
    .command("stop")
    .description("stop the daemon (sessions keep running in tmux; the next start re-adopts them)")
    .addHelpText("after", examples("flux daemon stop"))
    .action(() => {
      setResult(async (c) => (await import("./commands/daemon.ts")).daemonStop(c), false);
    });
  daemon
    .command("status")
    .description("is the daemon running, where, since when")
    .option("--json", "print as JSON")
    .addHelpText("after", examples("flux daemon status"))
    .action((opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("./commands/daemon.ts")).daemonStatus(c, opts),
        opts.json === true,
      );
    });

  program
    .command("demo")
    .description(
      "watch a sample plan run end to end, offline: real Claude Code on a built-in scripted model",
    )
    .option("--dir <path>", "create the sample repository here (kept afterwards)")
    .option("--keep", "keep the temporary sample repository")
    .addHelpText("after", examples("flux demo", "flux demo --dir /tmp/flux-demo"))
    .action((opts: { dir?: string; keep?: boolean }) => {
      setResult(async (c) => (await import("./commands/demo.ts")).demo(c, opts), false);
    });

  program
    .command("runner", { hidden: true })
    .description("the process a session's tmux pane runs (internal)")
    .argument("<session-id>")
    .action((id: string) => {
      setResult(async (c) => (await import("./commands/runner.ts")).runner(c, id), false);
    });

  program
    .command("hook", { hidden: true })
    .description(
      "what an interactive Claude session's hooks run: session-start, stop, stop-failure, permission-request, notification, active (internal)",
    )
    .argument("<event>")
    .argument("[args...]")
    .action((event: string, args: string[]) => {
      setResult(async (c) => (await import("./commands/hook.ts")).hook(c, event, args), false);
    });

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
    fluxBin: ctx.fluxBin ?? path.resolve(process.argv[1] ?? "flux"),
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
