/** `flux handoff create|list|show`: what a session leaves the next one when its context fills. */
import type { Command } from "commander";
import type { SetResult } from "./shared.ts";
import { examples } from "./shared.ts";

export function registerHandoffCommands(program: Command, setResult: SetResult): void {
  const handoff = program
    .command("handoff")
    .description("hand a stage to a fresh session (inside a session), or read its handoffs");
  handoff
    .command("create")
    .description(
      "give Flux this session's handoff; the session ends and a fresh one continues from it",
    )
    .option("--file <path>", "read the document from this file")
    .option("--stdin", "read the document from standard input")
    .option("--stage <id>", "the stage (outside a session; inside, it is the session's own)")
    .option("--json", "print the stored handoff as JSON")
    .addHelpText(
      "after",
      `
The document is markdown with five sections (or a JSON object of the same fields):
  ## Summary          where the stage stands, in a few sentences
  ## Completed        work that is done and committed
  ## Remaining        tasks left, each with a file:line reference (src/app.ts:42 or :40-60)
  ## Decisions        decisions the next session must keep, and why
  ## Open questions   questions nobody has answered yet
Write "None." under a section with nothing in it.
${examples(
  `"$FLUX_BIN" handoff create --stdin <<'EOF'
    ## Summary
    …
    EOF`,
  "flux handoff create --file handoff.md",
  "flux handoff create --stage api --file handoff.md   # outside a session",
)}`,
    )
    .action((opts: { file?: string; stdin?: boolean; stage?: string; json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/handoff.ts")).handoffCreate(c, opts),
        opts.json === true,
      );
    });
  handoff
    .command("list")
    .description("a stage's handoffs: number, when, who wrote it and why, its summary")
    .argument("<stage>", "the stage")
    .option("--json", "print as JSON")
    .addHelpText("after", examples("flux handoff list api"))
    .action((stage: string, opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/handoff.ts")).handoffList(c, stage, opts),
        opts.json === true,
      );
    });
  handoff
    .command("show")
    .description("print a stage's handoff (the latest, or number N) as markdown")
    .argument("<stage>", "the stage")
    .argument("[n]", "the handoff's number (default: the latest)")
    .option("--json", "print as JSON")
    .addHelpText("after", examples("flux handoff show api", "flux handoff show api 2 --json"))
    .action((stage: string, n: string | undefined, opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/handoff.ts")).handoffShow(c, stage, n, opts),
        opts.json === true,
      );
    });
}
