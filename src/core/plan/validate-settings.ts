/**
 * The rules on a plan's settings: fields not active yet, command agents without a
 * command, fallback agents, and context thresholds out of order.
 */
import { INACTIVE_FIELDS } from "./schema.ts";
import type { Data, Path, Report, StageView } from "./validate-view.ts";
import { isRecord, label } from "./validate-view.ts";

/** Fields not active yet, and command agents without a command. */
export function checkSettings(defaults: Data, stages: StageView[], report: Report): void {
  const scopes: Array<[Data, Path]> = [
    [defaults, ["defaults"]],
    ...stages.map((s): [Data, Path] => [s.data, ["stages", s.index]]),
  ];
  for (const [data, base] of scopes) {
    for (const field of INACTIVE_FIELDS) {
      if (data[field] === undefined) continue;
      report(
        "PLAN_INACTIVE_FIELD",
        "warning",
        `\`${field}\` is parsed and stored but not active yet`,
        [...base, field],
        "It has no effect in this release; keep it to be ready for a later one, or remove it to silence this warning.",
        "key",
      );
    }
  }
  checkFallbacks(defaults, stages, report);
  for (const s of stages) {
    // The agent and its command may each come from the stage or from defaults.
    const agent = s.data.agent ?? defaults.agent;
    if (agent !== "command" || (s.data.command ?? defaults.command) !== undefined) continue;
    report(
      "PLAN_COMMAND_MISSING",
      "error",
      `${label(s)} uses agent: command but no \`command\` is set`,
      s.data.agent === undefined ? ["stages", s.index] : ["stages", s.index, "agent"],
      'Add the command line to the stage (or to defaults), e.g. command: "my-agent --prompt-file {prompt_file}"; {prompt_file} and {signal} are replaced.',
    );
  }
}

const THRESHOLDS = ["warn", "handoff", "hard"] as const;
type Threshold = (typeof THRESHOLDS)[number];
type Thresholds = Partial<Record<Threshold, number>>;
/** Each pair that must rise; warn ≤ hard only matters when no handoff sits between them. */
const ORDER = [
  ["warn", "handoff"],
  ["handoff", "hard"],
  ["warn", "hard"],
] as const;

/** The thresholds a scope's `context` sets; other values are the schema's to report. */
function thresholdsOf(data: Data): Thresholds {
  const context = isRecord(data.context) ? data.context : {};
  const out: Thresholds = {};
  for (const key of THRESHOLDS) {
    const value = context[key];
    if (typeof value === "number" && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

/**
 * Context thresholds out of order (warn ≤ handoff ≤ hard) in `defaults.context`, or in a
 * stage's `context` joined with it key by key. Only what the plan writes is compared, since
 * `[context]` in the settings may set the rest; a stage is told only about the keys it sets.
 */
export function checkContext(defaults: Data, stages: StageView[], report: Report): void {
  const inherited = thresholdsOf(defaults);
  const scopes = [
    { own: inherited, joined: inherited, path: ["defaults", "context"], where: "defaults.context" },
    ...stages.map((s) => {
      const own = thresholdsOf(s.data);
      return {
        own,
        joined: { ...inherited, ...own },
        path: ["stages", s.index, "context"],
        where: `the context of ${label(s)}`,
      };
    }),
  ];
  for (const { own, joined, path, where } of scopes) {
    const shown = (key: Threshold) =>
      `\`${key}: ${joined[key]}\`${own === inherited || own[key] !== undefined ? "" : " (from defaults)"}`;
    for (const [low, high] of ORDER) {
      const a = joined[low];
      const b = joined[high];
      if (a === undefined || b === undefined || a <= b) continue;
      if (own[low] === undefined && own[high] === undefined) continue; // the defaults' own
      if (low === "warn" && high === "hard" && joined.handoff !== undefined) continue;
      report(
        "PLAN_CONTEXT_ORDER",
        "warning",
        `${where}: ${shown(low)} is above ${shown(high)}; the thresholds must rise: warn ≤ handoff ≤ hard`,
        [...path, own[high] !== undefined ? high : low],
        `Set ${low} to at most ${b}, or ${high} to at least ${a}. As written, Flux keeps the hand-off point and moves the others to it: warn no higher, hard no lower.`,
        "key",
      );
    }
  }
}

const FALLBACK_KINDS = new Set(["claude", "codex", "opencode"]);

/**
 * `fallback_agents` (stage or defaults): agent CLIs only (a fallback continues from a handoff
 * Flux can hand to any of them), each once, never the stage's own agent.
 */
function checkFallbacks(defaults: Data, stages: StageView[], report: Report): void {
  for (const s of stages) {
    const own = s.data.fallback_agents !== undefined;
    const list = own ? s.data.fallback_agents : defaults.fallback_agents;
    if (!Array.isArray(list)) continue; // absent, or the schema reports it
    const base: Path = own
      ? ["stages", s.index, "fallback_agents"]
      : ["defaults", "fallback_agents"];
    const agent = s.data.agent ?? defaults.agent ?? "claude";
    const seen = new Set<unknown>();
    list.forEach((entry: unknown, i) => {
      const at = [...base, i];
      if (typeof entry !== "string") return;
      if (entry === agent) {
        report(
          "PLAN_FALLBACK_INVALID",
          own ? "error" : "warning",
          `${label(s)} names its own agent ${entry} as a fallback`,
          at,
          own
            ? `A fallback runs when ${entry} is limited: name another agent (${[...FALLBACK_KINDS].filter((k) => k !== entry).join(", ")}), or drop it.`
            : `It is skipped for ${label(s)}; set \`fallback_agents\` on the stage to silence this.`,
        );
      } else if (seen.has(entry)) {
        report(
          "PLAN_FALLBACK_INVALID",
          "error",
          `${label(s)} names ${entry} twice in fallback_agents`,
          at,
          "Each fallback agent is tried once, in order: remove the second one.",
        );
      } else if (entry === "command") {
        report(
          "PLAN_FALLBACK_INVALID",
          "error",
          `${label(s)}: a command agent cannot be a fallback`,
          at,
          "Fallbacks are agent CLIs that continue from Flux's handoff: claude, codex or opencode.",
        );
      }
      seen.add(entry);
    });
  }
}
