/**
 * The script a fake model follows: which answer each request of a conversation gets.
 *
 * Format (JSON; validated here, errors name the offending path):
 *
 *   [ {"text": "I'll write it.", "write": {"path": "hello.txt", "content": "hi\n"}},
 *     {"shell": "git add -A && git commit -qm done"},
 *     {"end": true, "text": "All done."} ]
 *
 * or several scripts chosen by a `[[script:name]]` marker in the conversation's first user
 * prompt — the last one when there are several (no marker: the script named `default`; a
 * single script ignores markers):
 *
 *   {"scripts": {"default": [...], "fails": {"turns": [...], "after_end": "Stopped."}},
 *    "after_end": "Done.", "compact": "Summary text"}
 *
 * A turn has at most one action: `shell`, `write`, `tool_use`, `error` or `end`; `text` alone is a
 * final answer (the agent stops until its next prompt), `text` with an action is said before it.
 * Every turn may carry `delay_ms` and `usage`. The turn index is the number of model answers
 * already in the request, so one script serves every request of a conversation statelessly.
 * Past the script (or after an `end` turn) every request gets the `after_end` text ("Done.").
 * `${CWD}`, `${TURN}` and `${SESSION}` are expanded in every string of a turn.
 *
 * Errors and limits. An `error` is the provider's error answer, the same every time:
 *
 *   {"error": {"status": 429, "type": "rate_limit_error", "message": "slow down",
 *              "headers": {"retry-after": "${RESET_IN}"}, "body": {"code": "rate_limit_exceeded"},
 *              "reset_in_ms": 2000}}
 *
 * `headers` are added to the response; `body` fields are added to the error object (OpenAI's
 * `code`, Codex's `resets_at`…). A `limit` wraps an ordinary turn and makes it answer with that
 * error until `for_ms` has passed since the server first answered it, and as written afterwards
 * (limits.ts keeps that state per server, keyed by script name and turn index):
 *
 *   {"limit": {"status": 429, "type": "usage_limit_reached", "message": "…", "for_ms": 3000},
 *    "end": true, "text": "Back to work."}
 *
 * In an error's message, headers and body, `${RESET_EPOCH}` (seconds), `${RESET_EPOCH_MS}`,
 * `${RESET_ISO}` and `${RESET_IN}` (whole seconds left, rounded up) name the reset instant,
 * computed when the answer is sent: the limit's first answer + `for_ms`, or for an `error` the
 * answer's time + `reset_in_ms` (default 60 000). A body value that is exactly one of the
 * numeric placeholders becomes a JSON number.
 */
import { z } from "zod";
import { FluxError } from "../../core/errors.ts";

/** Token counts as Anthropic reports them: `input_tokens` excludes both cache figures. */
export const Usage = z.strictObject({
  input_tokens: z.number().int().nonnegative().optional(),
  output_tokens: z.number().int().nonnegative().optional(),
  cache_creation_input_tokens: z.number().int().nonnegative().optional(),
  cache_read_input_tokens: z.number().int().nonnegative().optional(),
});
export type Usage = z.infer<typeof Usage>;

export const WriteAction = z.strictObject({
  /** Relative paths resolve against the agent's working directory. */
  path: z.string().min(1),
  content: z.string(),
});
export type WriteAction = z.infer<typeof WriteAction>;

export const ToolUseAction = z.strictObject({
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  /** Codex only: the namespace of an MCP tool (`mcp__orch`). */
  namespace: z.string().optional(),
});
export type ToolUseAction = z.infer<typeof ToolUseAction>;

const errorFields = {
  status: z.number().int().min(400).max(599),
  /** The provider's error type, e.g. `overloaded_error` (529) or `rate_limit_error` (429). */
  type: z.string().min(1),
  message: z.string(),
  /** Response headers to add, e.g. `retry-after` or `anthropic-ratelimit-unified-reset`. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, "a header name"), z.string()).optional(),
  /** Fields added to the error object of the body (OpenAI `code`, Codex `resets_at`…). */
  body: z.record(z.string(), z.unknown()).optional(),
};

export const ErrorAction = z.strictObject({
  ...errorFields,
  /** Where `${RESET_*}` points: this long (ms) after the answer is sent. Default 60 000. */
  reset_in_ms: z.number().int().nonnegative().optional(),
});
export type ErrorAction = z.infer<typeof ErrorAction>;

/** An error the turn answers with until `for_ms` has passed since its first answer. */
export const LimitAction = z.strictObject({
  ...errorFields,
  for_ms: z.number().int().positive(),
});
export type LimitAction = z.infer<typeof LimitAction>;

export const ACTIONS = ["shell", "write", "tool_use", "error", "end"] as const;
export type TurnKind = (typeof ACTIONS)[number] | "text";

export const Turn = z
  .strictObject({
    text: z.string().optional(),
    shell: z.string().min(1).optional(),
    write: WriteAction.optional(),
    tool_use: ToolUseAction.optional(),
    error: ErrorAction.optional(),
    end: z.literal(true).optional(),
    /** Not an action: it wraps this turn (see the header). */
    limit: LimitAction.optional(),
    /** Wait this long (ms) before answering. */
    delay_ms: z.number().int().nonnegative().optional(),
    usage: Usage.optional(),
  })
  .superRefine((turn, ctx) => {
    const actions = ACTIONS.filter((key) => turn[key] !== undefined);
    if (actions.length > 1)
      ctx.addIssue({
        code: "custom",
        message: `a turn has one action, this one has ${actions.join(" and ")}`,
      });
    if (actions.length === 0 && turn.text === undefined)
      ctx.addIssue({
        code: "custom",
        message: `a turn needs text or one of ${ACTIONS.join(", ")}${turn.limit === undefined ? "" : " (a limit wraps a turn: what it answers once the limit resets)"}`,
      });
    if (turn.error !== undefined && turn.text !== undefined)
      ctx.addIssue({ code: "custom", message: "an error turn has no text" });
    if (turn.error !== undefined && turn.limit !== undefined)
      ctx.addIssue({ code: "custom", message: "a limit wraps a turn that answers, not an error" });
  });
export type Turn = z.infer<typeof Turn>;

export function turnKind(turn: Turn): TurnKind {
  return ACTIONS.find((key) => turn[key] !== undefined) ?? "text";
}

const Turns = z.array(Turn);
const toBody = (value: unknown): unknown => (Array.isArray(value) ? { turns: value } : value);
const Body = z.strictObject({ turns: Turns, after_end: z.string().optional() });
const SingleScript = z.strictObject({
  turns: Turns,
  after_end: z.string().optional(),
  compact: z.string().optional(),
});
const MultiScript = z.strictObject({
  scripts: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), z.preprocess(toBody, Body)),
  after_end: z.string().optional(),
  compact: z.string().optional(),
});

/** What callers pass: a list of turns, `{turns, after_end?}` or `{scripts: {...}}`. */
export type ScriptInput =
  z.input<typeof Turns> | z.input<typeof SingleScript> | z.input<typeof MultiScript>;

/** A validated script in one shape: a single script is the one named `default`. */
export interface Script {
  scripts: Record<string, { turns: Turn[]; after_end: string }>;
  /** False for a single script: it answers every conversation, whatever its marker says. */
  byMarker: boolean;
  compact: string;
}

export const DEFAULT_AFTER_END = "Done.";
export const DEFAULT_COMPACT =
  "The user gave a task; the scripted model wrote files and ran commands for it.";

export class ModelScriptError extends FluxError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super("MODEL_SCRIPT_INVALID", message, {
      hint: "a script is a list of turns or {scripts: {name: turns}}; the format is documented in src/adapters/model/script.ts",
      data,
    });
    this.name = "ModelScriptError";
  }
}

/** Validates a script; `source` (a file name) is only for the message. */
export function parseScript(value: unknown, source = "script"): Script {
  const body = toBody(value);
  const multi = typeof body === "object" && body !== null && "scripts" in body;
  const parsed = (multi ? MultiScript : SingleScript).safeParse(body);
  if (!parsed.success)
    throw new ModelScriptError(`invalid model ${source}:\n${z.prettifyError(parsed.error)}`, {
      source,
    });
  const data = parsed.data;
  const afterEnd = data.after_end ?? DEFAULT_AFTER_END;
  const compact = data.compact ?? DEFAULT_COMPACT;
  if (!("scripts" in data))
    return {
      scripts: { default: { turns: data.turns, after_end: afterEnd } },
      byMarker: false,
      compact,
    };
  const scripts: Script["scripts"] = {};
  for (const [name, s] of Object.entries(data.scripts))
    scripts[name] = { turns: s.turns, after_end: s.after_end ?? afterEnd };
  return { scripts, byMarker: true, compact };
}

const MARKERS = /\[\[script:([A-Za-z0-9_.-]+)\]\]/g;

/**
 * The last marker of the first prompt: a continuation's signal carries its stage's marker and,
 * after it, the handoff it continues from, which may name the script of the next session.
 */
function lastMarker(prompt: string): string | undefined {
  let name: string | undefined;
  for (const match of prompt.matchAll(MARKERS)) name = match[1];
  return name;
}

/** The facts about a request that pick its answer. */
export interface Conversation {
  /** The user text before the model's first answer: where the `[[script:…]]` marker is. */
  firstPrompt: string;
  /** How many answers the model has already given in this conversation. */
  turn: number;
  cwd: string | undefined;
  session: string | undefined;
}

export type Resolved =
  | { ok: true; script: string; index: number; turn: Turn; kind: TurnKind | "after_end" }
  | { ok: false; script: string | null; message: string };

/** Picks the script and turn for a request and expands its placeholders. Pure. */
export function resolveTurn(script: Script, conv: Conversation): Resolved {
  const marker = script.byMarker ? lastMarker(conv.firstPrompt) : undefined;
  const name = marker ?? "default";
  const chosen = script.scripts[name];
  if (chosen === undefined) {
    const known = Object.keys(script.scripts).join(", ");
    const why = marker === undefined ? "no [[script:name]] marker and no default script" : "";
    return {
      ok: false,
      script: marker ?? null,
      message: `fake model: ${why || `no script named "${name}"`} (scripts: ${known})`,
    };
  }
  const endAt = chosen.turns.findIndex((t) => t.end === true);
  const last = endAt === -1 ? chosen.turns.length - 1 : endAt;
  const turn = conv.turn <= last ? chosen.turns[conv.turn] : undefined;
  const picked: Turn =
    turn === undefined
      ? { text: chosen.after_end }
      : turn.end === true && turn.text === undefined
        ? { ...turn, text: chosen.after_end }
        : turn;
  const expanded = expand(picked, {
    CWD: conv.cwd,
    TURN: String(conv.turn),
    SESSION: conv.session,
  });
  return {
    ok: true,
    script: name,
    index: conv.turn,
    turn: expanded,
    kind: turn === undefined ? "after_end" : turnKind(turn),
  };
}

/** Replaces `${NAME}` in every string; unknown or unavailable names stay as written. */
export function expand<T>(value: T, vars: Record<string, string | undefined>): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string")
      return v.replace(/\$\{([A-Z_]+)\}/g, (whole, key: string) => vars[key] ?? whole);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
