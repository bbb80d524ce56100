/** Catalogue: the recurring errors about stages, so each reads the same wherever it is raised. */
import { closest } from "../plan/suggest.ts";
import { STAGE_ID_RULE } from "../stage/id.ts";
import { FluxError } from "./flux-error.ts";

/** How many known ids a hint lists before it stops ("a, b, c, …"). */
const LISTED_IDS = 12;

/**
 * An id that names no stage. With `known` (the plan's ids) the message suggests the closest one
 * and the hint lists them; without, the hint points at `flux status`.
 */
export function stageNotFound(id: string, known?: readonly string[]): FluxError {
  // Any two ids of one or two characters are "close": no guess for those.
  const guess = known === undefined || id.length < 3 ? undefined : closest(id, known);
  const hint =
    known === undefined
      ? "`flux status` lists the stages"
      : known.length === 0
        ? "the plan has no stages"
        : `stages: ${known.slice(0, LISTED_IDS).join(", ")}${known.length > LISTED_IDS ? ", …" : ""}`;
  return new FluxError(
    "STAGE_NOT_FOUND",
    `no stage "${id}" in the active plan${guess === undefined ? "" : `. Did you mean "${guess}"?`}`,
    { hint, data: { stageId: id } },
  );
}

/**
 * `flux stage <id>` without an action. `actions` lists the manual actions (core/stage/actions.ts,
 * which this catalogue does not import: it stays free of the state machine).
 */
export function stageActionMissing(id: string, actions: readonly string[]): FluxError {
  return new FluxError(
    "STAGE_ACTION_MISSING",
    `stage ${id} needs an action: ${actions.join(", ")}`,
    {
      hint: `e.g. \`flux stage ${id} reset\`, \`flux stage ${id} block --reason "…"\`, \`flux stage ${id} complete\` (runs its acceptance); \`flux stage --help\` explains each`,
      data: { stageId: id, actions: [...actions] },
    },
  );
}

/** An id that breaks the stage id rule (it would become a branch, a path and a tmux name). */
export function stageIdInvalid(id: string): FluxError {
  return new FluxError("STAGE_ID_INVALID", `invalid stage id ${JSON.stringify(id)}`, {
    hint: `use ${STAGE_ID_RULE}`,
    data: { stageId: id },
  });
}

/**
 * The stage has a task in flight (a start, an acceptance run, a merge, a gate's evidence): one
 * task per stage at a time. `what` names the task when it is known.
 */
export function stageBusy(id: string, what?: string): FluxError {
  return new FluxError(
    "STAGE_BUSY",
    what === undefined
      ? `${id} is busy with another task`
      : `${id} is busy: its ${what} is running`,
    { hint: "try again when it ends (`flux status` shows it)", data: { stageId: id } },
  );
}

/** A gate verb (verify, approve, reject) on a stage that is not awaiting verification. */
export function stageNotAtGate(
  id: string,
  state: string,
  verify: "auto" | "human" | undefined,
): FluxError {
  return new FluxError("STAGE_NOT_AT_GATE", `${id} is ${state}, not awaiting verification`, {
    hint:
      verify === "human"
        ? "it reaches its gate when its acceptance passes"
        : `${id} has no human gate (verify: auto)`,
    data: { stageId: id, state },
  });
}

/**
 * A rejection without a reason: the reason is what the next session works from. `flag` says
 * it the CLI's way (`--reject needs --reason`).
 */
export function rejectionNeedsReason(flag = false): FluxError {
  return new FluxError(
    "REASON_REQUIRED",
    `${flag ? "--reject needs --reason" : "a rejection needs a reason"}: it is what the next session works from`,
    { hint: 'flux verify <id> --reject --reason "…"' },
  );
}

/**
 * A parallelism limit that is not a whole number above 0. `name` is how the caller spelt it:
 * the CLI's `--max-parallel`, the HTTP body's `maxParallel`.
 */
export function badMaxParallel(value: unknown, name = "maxParallel"): FluxError {
  return new FluxError(
    "BAD_MAX_PARALLEL",
    `${name} must be a whole number above 0, not ${JSON.stringify(value) ?? String(value)}`,
    { hint: "e.g. `flux run --max-parallel 2`" },
  );
}
