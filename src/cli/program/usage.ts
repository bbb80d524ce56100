/**
 * Commander's usage errors (unknown command or option, missing or extra argument, a value not
 * among the choices) in Flux's format: `error[USAGE]: <command>: <what>` with a hint naming the
 * command's help and commander's "did you mean" when it has one, exit 2 — as JSON when the
 * command takes `--json` and was given it. Hooked once, on every command of the tree.
 */
import type { Command, CommanderError } from "commander";
import { FluxError } from "../../core/errors.ts";
import { closest } from "../../core/plan/suggest.ts";

/** Commander's exits that are not errors: help and the version were printed. */
const PRINTED = new Set(["commander.help", "commander.helpDisplayed", "commander.version"]);

/** A usage error, and whether to print it as JSON. */
export class UsageError extends FluxError {
  constructor(
    message: string,
    hint: string,
    command: string,
    readonly json: boolean,
  ) {
    super("USAGE", message, { hint, data: { command } });
  }
}

/** `flux graph show`: the command as typed. */
function commandName(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** The words of argv before `--`, which is where commander reads commands and options. */
function words(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf("--");
  return end === -1 ? argv : argv.slice(0, end);
}

/**
 * The command that ran, when commander picked a group's default subcommand for a word that
 * names no subcommand (`flux sessions frob` runs `sessions list frob`): the group, and the word.
 */
function impliedDefault(cmd: Command, argv: readonly string[]): string | undefined {
  const parent = cmd.parent;
  if (parent === null || parent.parent === null) return undefined;
  const given = words(argv);
  const at = given.indexOf(parent.name());
  if (at === -1 || given[at + 1] === cmd.name()) return undefined;
  return cmd.args[cmd.registeredArguments.length];
}

/** Translates one of commander's errors raised by `cmd`. */
export function usageError(
  error: CommanderError,
  cmd: Command,
  argv: readonly string[],
): UsageError {
  const [first = "", ...rest] = error.message.replace(/^error: /, "").split("\n");
  const suggestion = /^\(Did you mean (.+)\?\)$/.exec(rest.join(" ").trim())?.[1];
  const json = cmd.options.some((o) => o.long === "--json") && words(argv).includes("--json");
  const name = commandName(cmd);
  const help = `\`${name} --help\``;

  if (error.code === "commander.excessArguments") {
    const word = impliedDefault(cmd, argv);
    const group = cmd.parent;
    if (word !== undefined && group !== null) {
      const names = group
        .createHelp()
        .visibleCommands(group)
        .map((c) => c.name());
      const guess = closest(word, names);
      return new UsageError(
        `${commandName(group)}: unknown command '${word}'${guess === undefined ? "" : `. Did you mean ${guess}?`}`,
        `\`${commandName(group)} --help\` lists its commands`,
        commandName(group),
        json,
      );
    }
  }
  // "too many arguments for 'stage'.": the message names the command already.
  const what =
    error.code === "commander.excessArguments" ? first.replace(/ for '[^']*'\./, ".") : first;
  const said = suggestion === undefined ? what : `${what}. Did you mean ${suggestion}?`;
  switch (error.code) {
    case "commander.unknownCommand":
      return new UsageError(
        cmd.parent === null ? said : `${name}: ${said}`,
        `${help} lists ${cmd.parent === null ? "the" : "its"} commands`,
        name,
        json,
      );
    case "commander.unknownOption":
      return new UsageError(`${name}: ${said}`, `${help} lists its options`, name, json);
    default:
      return new UsageError(
        `${name}: ${said}`,
        `usage: ${name} ${cmd.usage()}; ${help} shows its usage and examples`,
        name,
        json,
      );
  }
}

/**
 * Makes every command of the tree throw its usage errors as UsageErrors, and print nothing of
 * its own (help and the version still print, and throw commander's error to say so).
 */
export function throwUsageErrors(program: Command, argv: readonly string[]): void {
  const visit = (cmd: Command): void => {
    cmd.configureOutput({ ...cmd.configureOutput(), outputError: () => undefined });
    cmd.exitOverride((error) => {
      if (PRINTED.has(error.code)) throw error;
      throw usageError(error, cmd, argv);
    });
    for (const sub of cmd.commands) visit(sub);
  };
  visit(program);
}

/**
 * `flux help <word>` for a word that names no command: commander would print the whole help
 * and exit 0, as if the topic existed. A usage error instead, with the closest command.
 */
export function refuseUnknownHelpTopic(program: Command, argv: readonly string[]): void {
  const [first, topic] = words(argv);
  if (first !== "help" || topic === undefined || topic.startsWith("-")) return;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (names.includes(topic)) return;
  const guess = closest(topic, names);
  throw new UsageError(
    `help: unknown command '${topic}'${guess === undefined ? "" : `. Did you mean ${guess}?`}`,
    "`flux --help` lists the commands",
    "flux help",
    false,
  );
}
