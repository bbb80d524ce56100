/** `flux stage`, `run`, `verify`, `merge`, `resume`: run the plan and move stages through their gates. */
import type { Command } from "commander";
import type { SetResult } from "./shared.ts";
import { examples } from "./shared.ts";

export function registerRunCommands(program: Command, setResult: SetResult): void {
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
            async (c) => (await import("../commands/gates.ts")).stageComplete(c, id, opts),
            opts.json === true,
          );
          return;
        }
        setResult(
          async (c) => (await import("../commands/stage.ts")).stage(c, id, action, opts),
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
        setResult(async (c) => (await import("../commands/run.ts")).run(c, opts), false);
      },
    );

  program
    .command("pause")
    .description(
      "flow control: no session starts and nothing merges until `flux daemon resume`; running agents go on",
    )
    .option("--json", "print the mode as JSON")
    .addHelpText("after", examples("flux pause", "flux daemon resume"))
    .action((opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/flow.ts")).setFlow(c, "paused", opts),
        opts.json === true,
      );
    });

  program
    .command("drain")
    .description(
      "flow control: no new stage starts; the work in progress finishes (retries, continuations, merges)",
    )
    .option("--json", "print the mode as JSON")
    .addHelpText("after", examples("flux drain", "flux daemon resume"))
    .action((opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/flow.ts")).setFlow(c, "draining", opts),
        opts.json === true,
      );
    });

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
          async (c) => (await import("../commands/gates.ts")).verify(c, id, opts),
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
    .option(
      "--resolve",
      "on a stage blocked by a conflict: a new session merges the base in, resolves, passes acceptance, then it merges",
    )
    .option("--json", "print the outcome as JSON")
    .addHelpText("after", examples("flux merge api", "flux merge api --resolve"))
    .action((id: string, opts: { json?: boolean; resolve?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/gates.ts")).merge(c, id, opts),
        opts.json === true,
      );
    });

  program
    .command("resume")
    .description("restart a blocked or failed stage with a recovery signal")
    .argument("<id>", "the stage")
    .addHelpText("after", examples("flux resume api"))
    .action((id: string) => {
      setResult(async (c) => (await import("../commands/gates.ts")).resume(c, id), false);
    });
}
