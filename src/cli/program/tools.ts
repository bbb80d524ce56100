/**
 * `flux demo`, `validate`, `doctor`, `plan new|schema`, `completion`, and the hidden `runner`
 * and `hook` that sessions call.
 */
import type { Command } from "commander";
import { Argument } from "commander";
import type { SetResult } from "./shared.ts";
import { examples } from "./shared.ts";
import { registerInstallCommands } from "./install.ts";
import { registerPlanDraftCommand } from "./plan.ts";

export function registerToolCommands(program: Command, setResult: SetResult): void {
  program
    .command("demo")
    .description(
      "watch a sample plan run end to end, offline: real Claude Code on a built-in scripted model",
    )
    .option("--dir <path>", "create the sample repository here (kept afterwards)")
    .option("--keep", "keep the temporary sample repository")
    .addHelpText("after", examples("flux demo", "flux demo --dir /tmp/flux-demo"))
    .action((opts: { dir?: string; keep?: boolean }) => {
      setResult(async (c) => (await import("../commands/demo.ts")).demo(c, opts), false);
    });

  program
    .command("runner", { hidden: true })
    .description("the process a session's tmux pane runs (internal)")
    .argument("<session-id>")
    .action((id: string) => {
      setResult(async (c) => (await import("../commands/runner.ts")).runner(c, id), false);
    });

  program
    .command("hook", { hidden: true })
    .description(
      "what an interactive Claude session's hooks run: session-start, stop, stop-failure, permission-request, notification, active (internal)",
    )
    .argument("<event>")
    .argument("[args...]")
    .action((event: string, args: string[]) => {
      setResult(async (c) => (await import("../commands/hook.ts")).hook(c, event, args), false);
    });

  program
    .command("validate")
    .description(
      "check the database, the .work/ projections and the plan file against each other; or one plan file",
    )
    .argument("[plan]", "check only this plan file (parse and validate; no .work/ needed)")
    .option("--json", "print the findings as JSON")
    .option("--fix", "rewrite the projections from the database")
    .addHelpText(
      "after",
      examples("flux validate", "flux validate --fix", "flux validate doc/plans/PLAN-auth.md"),
    )
    .action((plan: string | undefined, opts: { json?: boolean; fix?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/validate.ts")).validate(c, plan, opts),
        opts.json === true,
      );
    });

  program
    .command("doctor")
    .description(
      "check the machine: Node, git, tmux, agent CLIs and their auth, .work, the daemon, SQLite, the library",
    )
    .option("--json", "print the findings as JSON")
    .addHelpText("after", examples("flux doctor", "flux doctor --json"))
    .action((opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/doctor.ts")).doctor(c, opts),
        opts.json === true,
      );
    });

  registerInstallCommands(program, setResult);

  const plan = program
    .command("plan")
    .description("write plan templates, draft plans with an agent, print the plan JSON Schema");
  plan
    .command("new")
    .description("write a commented plan template to doc/plans/PLAN-<name>.md")
    .argument("<name>", "a short name: lowercase letters, digits, dashes")
    .option("--force", "overwrite an existing file")
    .addHelpText("after", examples("flux plan new auth"))
    .action((name: string, opts: { force?: boolean }) => {
      setResult(async (c) => (await import("../commands/plan.ts")).planNew(c, name, opts), false);
    });
  plan
    .command("schema")
    .description("print the JSON Schema of the plan metadata (for editors)")
    .addHelpText("after", examples("flux plan schema > plan.schema.json"))
    .action(() => {
      setResult(async (c) => (await import("../commands/plan.ts")).planSchema(c), false);
    });
  registerPlanDraftCommand(plan, setResult);

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
        async (c) => (await import("../commands/completion.ts")).completion(c, shell, program),
        false,
      );
    });
}
