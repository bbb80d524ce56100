/**
 * Flux's settings, one schema for every layer (STYLE.md: defaults < user file <
 * `.work/config.toml` < environment < flags). Settings whose behaviour a later release brings
 * are added here with that release.
 *
 * What they resolve to, layer over layer, is resolve.ts.
 *
 * A small declarative table rather than zod: every command reads the settings, `flux status`
 * among them, and zod costs ~20 ms of start-up there (bench/status).
 */

import { MIN_HEARTBEAT_MS, parseBytes } from "../health.ts";
import { formatDuration, parseDuration } from "../plan/duration.ts";

type Check = (value: unknown) => string | undefined;

const text: Check = (v) =>
  typeof v === "string" && v.length > 0 ? undefined : "must be a non-empty string";
const positiveInt: Check = (v) =>
  typeof v === "number" && Number.isInteger(v) && v > 0
    ? undefined
    : "must be a whole number above 0";
const wholeNumber: Check = (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 ? undefined : "must be a whole number";
const duration: Check = (v) =>
  typeof v === "string" && parseDuration(v) !== undefined
    ? undefined
    : 'must be a duration such as "90s", "10m", "2h"';
const positiveDuration: Check = (v) =>
  typeof v === "string" && (parseDuration(v) ?? 0) > 0
    ? undefined
    : 'must be a duration above 0 such as "10s", "1m"';
const heartbeatPeriod: Check = (v) =>
  typeof v === "string" && (parseDuration(v) ?? 0) >= MIN_HEARTBEAT_MS
    ? undefined
    : `must be a duration of at least ${formatDuration(MIN_HEARTBEAT_MS)} such as "10s"`;
/** A string that may be empty (a later layer turning off an earlier one's setting). */
const anyText: Check = (v) => (typeof v === "string" ? undefined : "must be a string");
const percent: Check = (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 100
    ? undefined
    : "must be a whole percent from 1 to 100";
const bytes: Check = (v) =>
  typeof v === "string" && parseBytes(v) !== undefined
    ? undefined
    : 'must be a size such as "512MiB", "2GiB"';
const positiveNumber: Check = (v) =>
  typeof v === "number" && Number.isFinite(v) && v > 0 ? undefined : "must be a number above 0";
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === "string" && values.includes(v) ? undefined : `must be one of ${values.join(", ")}`;

/** Every table and key Flux reads, with its check. */
export const CONFIG_SCHEMA = {
  plan: {
    /** The active plan, relative to the repository root. Flux rewrites this table only. */
    file: text,
  },
  run: {
    /** Sessions at once (default 4). */
    max_parallel: positiveInt,
  },
  ui: {
    /** Colour in terminal output: auto follows the terminal and NO_COLOR (default auto). */
    color: oneOf("auto", "always", "never"),
  },
  daemon: {
    /** The daemon exits after this long with nothing running or ready (default 10m; "0s": never). */
    idle_timeout: duration,
  },
  sessions: {
    /** Where sessions run: tmux, detached processes, or tmux when installed (default auto). */
    backend: oneOf("auto", "tmux", "process"),
    /** A directory with your own `signal.md` template. */
    prompt_dir: text,
    /**
     * Times the Stop hook sends an interactive agent back to work while its stage is running,
     * before its session waits for input (default 3; 0: never).
     */
    stop_reminders: wholeNumber,
  },
  context: {
    /** The context window in tokens when the agent CLI does not report it (default 200000; 1M for `[1m]` models). */
    window: positiveInt,
    /** Percent at which a session's context turns yellow (default 60). */
    warn: percent,
    /** Percent at which the agent is told to write its handoff and stop (red, default 75). */
    handoff: percent,
    /** Percent at which Flux stops the session and writes the handoff itself (default 90). */
    hard: percent,
    /** Tool calls an agent told to hand off may make before Flux does it (default 10). */
    handoff_steps: positiveInt,
    /** Time an agent told to hand off has before Flux does it (default "5m"). */
    handoff_timeout: duration,
  },
  limits: {
    /** The first wait after a rate limit that names no reset; doubles each time (default "30s"). */
    backoff: duration,
    /** The longest rate-limit wait (default "10m"). */
    backoff_max: duration,
    /** How long a usage limit that names no reset time lasts (default "1h"). */
    usage_wait: duration,
    /** Sessions in a row ending with the same API error before a fallback agent takes over (default 2). */
    fallback_after: positiveInt,
  },
  health: {
    /** A live session with no output, model call or hook this long is stalled (default "10m"). */
    stalled: positiveDuration,
    /** A session running this long is flagged long-running (default "60m"). */
    long_running: positiveDuration,
    /** Percent of a stage's `max_turns` at which its session is flagged (default 80). */
    many_turns: percent,
    /** No session starts below this much free memory (default "256MiB"; "0" for none). */
    min_free_memory: bytes,
    /** No session starts above this 1-minute load average per core (default: no ceiling). */
    max_load: positiveNumber,
    /**
     * How often a session's runner tells the daemon it lives (default "30s", at least "1s"):
     * one whose runner died is found after three missed beats, however it died.
     */
    heartbeat: heartbeatPeriod,
  },
  notify: {
    /**
     * A shell command run for each wait for a human (a gate, a question, a blocked, failed or
     * parked stage, a session waiting for input), the event as JSON on its stdin; "" none.
     */
    command: anyText,
    /** Longest run of one notify command (default "30s"). */
    timeout: positiveDuration,
  },
  merge: {
    /**
     * While sessions run, how often the daemon looks for conflicts between the branches in
     * flight (default "60s"; only a moved branch costs a `git merge-tree`).
     */
    predict_interval: positiveDuration,
    /** `merge: pr`: the remote stage branches are pushed to and pull requests target (default "origin"). */
    remote: (v) =>
      typeof v === "string" && /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(v)
        ? undefined
        : "must be the name of a git remote, e.g. origin",
    /** `merge: pr`: how often the daemon looks at open pull requests (default "60s"). */
    pr_poll: positiveDuration,
  },
  backup: {
    /** The daemon backs up `.work/flux.db` at start and then this often (default "1h"; "0s": never). */
    interval: duration,
    /** Backups kept in `.work/backups/`, newest first (default 24). */
    keep: positiveInt,
  },
} as const satisfies Record<string, Record<string, Check>>;

export interface Config {
  plan?: { file?: string };
  run?: { max_parallel?: number };
  ui?: { color?: "auto" | "always" | "never" };
  daemon?: { idle_timeout?: string };
  sessions?: {
    backend?: "auto" | "tmux" | "process";
    prompt_dir?: string;
    stop_reminders?: number;
  };
  context?: {
    window?: number;
    warn?: number;
    handoff?: number;
    hard?: number;
    handoff_steps?: number;
    handoff_timeout?: string;
  };
  limits?: { backoff?: string; backoff_max?: string; usage_wait?: string; fallback_after?: number };
  health?: {
    stalled?: string;
    long_running?: string;
    many_turns?: number;
    min_free_memory?: string;
    max_load?: number;
    heartbeat?: string;
  };
  notify?: { command?: string; timeout?: string };
  merge?: { predict_interval?: string; remote?: string; pr_poll?: string };
  backup?: { interval?: string; keep?: number };
}

export interface ConfigIssue {
  /** Dotted path of the offending key, e.g. `run.max_parallel`. */
  path: string;
  message: string;
}

/** Checks parsed TOML against CONFIG_SCHEMA: unknown tables and keys are errors (typos). */
export function checkConfig(data: Record<string, unknown>): {
  config: Config;
  issues: ConfigIssue[];
} {
  const issues: ConfigIssue[] = [];
  const schema: Record<string, Record<string, Check>> = CONFIG_SCHEMA;
  for (const [table, body] of Object.entries(data)) {
    const keys = schema[table];
    if (keys === undefined) {
      issues.push({
        path: table,
        message: `unknown table; Flux reads ${Object.keys(schema)
          .map((t) => `[${t}]`)
          .join(", ")}`,
      });
      continue;
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      issues.push({ path: table, message: "must be a table" });
      continue;
    }
    for (const [key, value] of Object.entries(body)) {
      const check = keys[key];
      const problem =
        check === undefined
          ? `unknown key; [${table}] takes ${Object.keys(keys).join(", ")}`
          : check(value);
      if (problem !== undefined) issues.push({ path: `${table}.${key}`, message: problem });
    }
  }
  return { config: data, issues };
}

export const CONFIG_TEMPLATE = `# Flux settings for this repository.
# Flux reads this file and only ever rewrites the [plan] table; your keys and comments stay.
# Layering: built-in defaults < ~/.config/flux/config.toml < this file < FLUX_* variables < flags.
# Every setting: docs/configuration.md

[plan]
file = ""

# [run]
# max_parallel = 4        # sessions at once (FLUX_MAX_PARALLEL, --max-parallel)

# [ui]
# color = "auto"          # auto | always | never (NO_COLOR is honoured with auto)

# [daemon]
# idle_timeout = "10m"    # exit after this long with nothing running or ready (FLUX_IDLE_TIMEOUT)

# [sessions]
# backend = "auto"        # tmux | process | auto: tmux when installed (FLUX_SESSION_BACKEND)
# prompt_dir = ".flux/prompts"   # your own signal.md template
# stop_reminders = 3      # times an interactive agent that stops early is sent back to work

# [context]               # percent of the model's context window in use
# warn = 60               # yellow
# handoff = 75            # red: the agent writes its handoff and stops
# hard = 90               # Flux stops the session and writes the handoff itself
# window = 200000         # tokens, when the agent CLI does not report its window
# handoff_steps = 10      # tool calls an agent told to hand off may still make
# handoff_timeout = "5m"  # time it has before Flux hands off for it

# [health]                # warnings on live sessions, and the machine's floors for new ones
# stalled = "10m"         # no output, model call or hook this long
# long_running = "60m"
# many_turns = 80         # percent of a stage's max_turns
# min_free_memory = "256MiB"   # no session starts below this ("0": no floor)
# max_load = 2.0          # no session starts above this load per core
# heartbeat = "30s"       # a runner's heartbeat: one that died is found after three missed beats

# [limits]                # rate and usage limits of the agents' providers
# backoff = "30s"         # first wait after a rate limit that names no reset (doubles, capped)
# backoff_max = "10m"     # the longest rate-limit wait
# usage_wait = "1h"       # a usage limit that names no reset time lasts this long
# fallback_after = 2      # sessions in a row failing with the same API error before a fallback agent

# [notify]                # when a human is needed: the event as JSON on the command's stdin
# command = 'notify-send "Flux: $FLUX_NOTIFY_STAGE ($FLUX_NOTIFY_KIND)" "$FLUX_NOTIFY_REASON"'
# timeout = "30s"         # the command is killed past this

# [backup]                # online backups of .work/flux.db into .work/backups/ (flux backup list)
# interval = "1h"         # the daemon takes one at start and then this often; "0s": never
# keep = 24               # the newest this many are kept
`;
