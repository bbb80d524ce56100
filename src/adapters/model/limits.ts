/**
 * Which error a turn answers with now, and the reset instant its `${RESET_*}` placeholders name
 * (the format is in script.ts). A plain `error` answers the same every time; a `limit` answers
 * with its error while less than `for_ms` has passed since the server first answered it, so a
 * test can say "limited until T, then it works". That first answer is the one piece of state of
 * an otherwise stateless server: one `Limits` per server, keyed by script name and turn index.
 */
import type { ErrorAction, LimitAction, Turn } from "./script.ts";
import { expand } from "./script.ts";

/** The error sent to the client: placeholders expanded, reset bookkeeping removed. */
export type SentError = Omit<ErrorAction, "reset_in_ms">;

/** Default distance of a plain error's reset instant from its answer. */
export const DEFAULT_RESET_IN_MS = 60_000;

export class Limits {
  /** First answer (epoch ms) of each limit, by `script#turn`. */
  readonly #firstAnswer = new Map<string, number>();

  /**
   * The error `turn` answers with at `now` (epoch ms), or undefined when it answers as written:
   * no error, or a limit that has reset. Records a limit's first answer.
   */
  errorFor(turn: Turn, key: { script: string; index: number }, now: number): SentError | undefined {
    if (turn.error !== undefined) {
      const { reset_in_ms, ...error } = turn.error;
      return withReset(error, now + (reset_in_ms ?? DEFAULT_RESET_IN_MS), now);
    }
    if (turn.limit === undefined) return undefined;
    const id = `${key.script}#${key.index}`;
    const first = this.#firstAnswer.get(id) ?? now;
    this.#firstAnswer.set(id, first);
    const { for_ms, ...error } = turn.limit satisfies LimitAction;
    const resetAt = first + for_ms;
    return now < resetAt ? withReset(error, resetAt, now) : undefined;
  }

  /** Forgets every first answer (a new script starts its limits afresh). */
  clear(): void {
    this.#firstAnswer.clear();
  }
}

const NUMERIC = /^\$\{(RESET_EPOCH|RESET_EPOCH_MS|RESET_IN)\}$/;

/** Expands `${RESET_*}`; a body value that is exactly a numeric placeholder becomes a number. */
export function withReset(error: SentError, resetAt: number, now: number): SentError {
  const vars = resetVars(resetAt, now);
  const { body, ...rest } = error;
  const expanded = expand(rest, vars);
  if (body === undefined) return expanded;
  const value = (v: unknown): unknown => {
    const name = typeof v === "string" ? NUMERIC.exec(v)?.[1] : undefined;
    return name === undefined ? expand(v, vars) : Number(vars[name]);
  };
  return {
    ...expanded,
    body: Object.fromEntries(Object.entries(body).map(([k, v]) => [k, value(v)])),
  };
}

export function resetVars(resetAt: number, now: number): Record<string, string> {
  return {
    RESET_EPOCH: String(Math.floor(resetAt / 1000)),
    RESET_EPOCH_MS: String(resetAt),
    RESET_ISO: new Date(resetAt).toISOString(),
    RESET_IN: String(Math.max(0, Math.ceil((resetAt - now) / 1000))),
  };
}
