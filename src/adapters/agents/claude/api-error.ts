/**
 * Claude's API errors, headless or in the TUI: the tag it gives a failed turn (the synthetic
 * message's `error`, the StopFailure hook's `error`: rate_limit, billing_error, overloaded,
 * server_error…) and the text it shows, to an error class and the reset the text names.
 *
 * Measured on 2.1.197: with an API key every 429 is tagged rate_limit and reads "API Error:
 * Request rejected (429) · <the API's message>"; a subscriber's limit is tagged rate_limit too
 * but reads "You've hit your session limit · resets 6:54pm (UTC)" (a usage limit); a credit
 * balance too low is billing_error, "Credit balance is too low".
 */
import { resetFromText } from "../limits.ts";
import { classifyApiError, limitVerdict, type LimitVerdict } from "../shared.ts";

/** `at`: when Claude wrote the text (epoch ms), for a reset given as a clock time. */
export function claudeApiError(
  tag: string | undefined,
  text: string,
  at: number,
  status?: number,
): LimitVerdict {
  const errorClass =
    tag === "billing_error"
      ? "usage_limit"
      : classifyApiError(tag === "rate_limit" ? 429 : status, text);
  return limitVerdict(errorClass, resetFromText(text, at));
}

/**
 * The class and reset of the TUI's StopFailure hook payload: its `error` tag and its
 * `last_assistant_message`, received `now` (epoch ms).
 */
export function classifyStopFailure(
  error: string,
  message: string,
  now: number = Date.now(),
): LimitVerdict {
  return claudeApiError(error === "" ? undefined : error, message, now);
}
