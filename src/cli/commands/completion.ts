/** `flux completion <shell>`: completion scripts generated from the command tree itself. */
import type { Command } from "commander";
import { ExitCode } from "../../core/errors.ts";
import type { CommandContext } from "../main.ts";

interface Node {
  path: string[];
  subcommands: { name: string; description: string }[];
  options: { flag: string; description: string }[];
  /** Fixed argument values (e.g. the stage actions, the shells). */
  values: string[];
}

function walk(command: Command, path: string[], out: Node[]): void {
  const values = command.registeredArguments.flatMap((a) => a.argChoices ?? []);
  if (path.join(" ") === "stage") values.push("complete", "block", "reset", "skip", "cancel");
  out.push({
    path,
    subcommands: command.commands.map((c) => ({ name: c.name(), description: c.description() })),
    options: command.options.flatMap((o) =>
      [o.long, o.short]
        .filter((f): f is string => f !== undefined)
        .map((flag) => ({ flag, description: o.description })),
    ),
    values,
  });
  for (const sub of command.commands) walk(sub, [...path, sub.name()], out);
}

function bash(nodes: Node[]): string {
  const cases = nodes
    .map((n) => {
      const words = [
        ...n.subcommands.map((s) => s.name),
        ...n.options.map((o) => o.flag),
        ...n.values,
        "--help",
      ].join(" ");
      return `    "${n.path.join(" ")}") words="${words}" ;;`;
    })
    .join("\n");
  return `# flux completion for bash: eval "$(flux completion bash)"
_flux() {
  local cur path="" word words i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    case "\${path:+$path }$word" in
      ${nodes
        .filter((n) => n.path.length > 0)
        .map((n) => `"${n.path.join(" ")}"`)
        .join(" | ")})
        path="\${path:+$path }$word" ;;
    esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _flux flux
`;
}

function fish(nodes: Node[]): string {
  const lines = ["# flux completion for fish: flux completion fish | source"];
  for (const n of nodes) {
    const condition =
      n.path.length === 0
        ? "__fish_use_subcommand"
        : `__fish_seen_subcommand_from ${n.path.at(-1)}`;
    for (const s of n.subcommands)
      lines.push(
        `complete -c flux -f -n '${condition}' -a ${s.name} -d '${s.description.replace(/'/g, "\\'")}'`,
      );
    for (const o of n.options) {
      const flag = o.flag.startsWith("--") ? `-l ${o.flag.slice(2)}` : `-s ${o.flag.slice(1)}`;
      lines.push(
        `complete -c flux -f -n '${condition}' ${flag} -d '${o.description.replace(/'/g, "\\'")}'`,
      );
    }
    for (const v of n.values) lines.push(`complete -c flux -f -n '${condition}' -a ${v}`);
  }
  return lines.join("\n") + "\n";
}

export function completion(
  ctx: CommandContext,
  shell: "bash" | "zsh" | "fish",
  program: Command,
): number {
  const nodes: Node[] = [];
  walk(program, [], nodes);
  const script =
    shell === "fish"
      ? fish(nodes)
      : shell === "zsh"
        ? `# flux completion for zsh: eval "$(flux completion zsh)"\nautoload -U +X bashcompinit && bashcompinit\n${bash(nodes)}`
        : bash(nodes);
  ctx.output.out(script);
  return ExitCode.ok;
}
