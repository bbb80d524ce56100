/**
 * When an agent's rate or usage limit resets, read from what its CLI said (measured on Claude
 * Code 2.1.197, codex-cli 0.169.0 and opencode 1.18.33; docs/agents.md "Rate and usage limits"):
 *
 * - text: Claude's "You've hit your session limit · resets 6:54pm (UTC)" (or "resets Dec 7,
 *   6:50pm (UTC)" past a day), Codex's "… or try again at 8:26 PM." (or "at Dec 7th, 2026
 *   6:50 PM.", in Codex's local time zone, which is this process's), and relative forms
 *   ("Please try again in 20s", "It will reset in 2 hours 5 minutes");
 * - headers opencode echoes with its error: `retry-after(-ms)`, Anthropic's
 *   `anthropic-ratelimit-unified-reset` and `-*-reset`, OpenAI's `x-ratelimit-reset-*`;
 * - an OpenAI-style error body: Codex's `usage_limit_reached` carries `resets_at` (epoch
 *   seconds) and `resets_in_seconds`.
 *
 * Clock times in text have minute precision and both CLIs truncate the seconds, so the reset
 * is taken as the END of the named minute: never early. A time without a date is the next
 * such time after `at` less SLACK_MS (the message may be read a little after it was written).
 * Pure: every function takes the instant the message was written (`at`, epoch ms).
 */
import { isObject, num, str } from "./shared.ts";
import type { Json } from "./shared.ts";

/** How far before `at` a dateless clock time may lie and still be today's. */
export const SLACK_MS = 10 * 60_000;

const MINUTE = 60_000;
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** Claude: "resets 6:54pm (UTC)", "resets 7pm (Europe/Paris)", "resets Dec 7, 6:50pm (UTC)". */
const CLAUDE_RESET =
  /\bresets (?:([A-Z][a-z]{2}) (\d{1,2})(?:, (\d{4}))?,? )?(\d{1,2})(?::(\d{2}))?\s?([ap]m)(?: \(([^)]+)\))?/i;
/** Codex: "try again at 8:26 PM", "try again at Dec 7th, 2026 6:50 PM". */
const CODEX_RESET =
  /\btry again at (?:([A-Z][a-z]{2}) (\d{1,2})(?:st|nd|rd|th)?, (\d{4}) )?(\d{1,2}):(\d{2}) ?([AP]M)/i;
/** "try again in 1.5s", "reset in 2 hours 5 minutes", "resets in 6m0s". */
const RELATIVE = /\b(?:try again|resets?) in ((?:\d+(?:\.\d+)?\s?[a-z]+(?:,?\s?(?:and\s)?)?)+)/i;

/** The reset instant a CLI's message names, or undefined. */
export function resetFromText(text: string, at: number): number | undefined {
  const claude = CLAUDE_RESET.exec(text);
  if (claude !== null) {
    const [, mon, day, year, hour = "", minute, ampm = "", zone] = claude;
    return clockTime({ mon, day, year, hour: hour12(hour, ampm), minute, zone }, at);
  }
  const codex = CODEX_RESET.exec(text);
  if (codex !== null) {
    const [, mon, day, year, hour = "", minute, ampm = ""] = codex;
    return clockTime({ mon, day, year, hour: hour12(hour, ampm), minute }, at);
  }
  const relative = RELATIVE.exec(text)?.[1];
  const ms = relative === undefined ? undefined : durationMs(relative);
  return ms === undefined ? undefined : at + ms;
}

/**
 * The reset an HTTP error's headers name, relative to `at` (when the answer came): Anthropic's
 * unified (subscription) reset first, then retry-after, then the latest per-kind reset.
 */
export function resetFromHeaders(headers: Record<string, unknown>, at: number): number | undefined {
  const get = (name: string) => {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : str(headers[key]);
  };
  const unified = Number(get("anthropic-ratelimit-unified-reset"));
  if (unified > 0) return unified * 1000;
  const afterMs = Number(get("retry-after-ms"));
  if (get("retry-after-ms") !== undefined && afterMs >= 0) return at + afterMs;
  const after = get("retry-after");
  if (after !== undefined) {
    const seconds = Number(after);
    if (after.trim() !== "" && Number.isFinite(seconds)) return at + seconds * 1000;
    const date = Date.parse(after);
    if (!Number.isNaN(date)) return date;
  }
  const resets: number[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const text = str(value);
    if (text === undefined) continue;
    if (/^x-ratelimit-reset-/i.test(name)) {
      const ms = durationMs(text);
      if (ms !== undefined) resets.push(at + ms);
    } else if (/^anthropic-ratelimit-.+-reset$/i.test(name)) {
      const date = Date.parse(text);
      if (!Number.isNaN(date)) resets.push(date);
    }
  }
  return resets.length === 0 ? undefined : Math.max(...resets);
}

/** Codex's `usage_limit_reached` fields in an OpenAI-style error object (or its envelope). */
export function resetFromBody(body: unknown, at: number): number | undefined {
  if (!isObject(body)) return undefined;
  const error: Json = isObject(body.error) ? body.error : body;
  const resetsAt = num(error.resets_at);
  if (resetsAt > 0) return resetsAt * 1000;
  const inSeconds = error.resets_in_seconds;
  if (typeof inSeconds === "number" && Number.isFinite(inSeconds) && inSeconds >= 0)
    return at + inSeconds * 1000;
  return undefined;
}

/** "20s", "1.898s", "250ms", "6m0s", "1h30m", "2 hours 5 minutes" → ms; undefined otherwise. */
export function durationMs(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s?([a-z]+)/gi)];
  if (parts.length === 0) return undefined;
  let total = 0;
  for (const [, amount = "", unit = ""] of parts) {
    const size = UNITS[unit.toLowerCase()];
    if (size === undefined) return undefined;
    total += Number(amount) * size;
  }
  return Math.ceil(total);
}

const UNITS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: MINUTE,
  min: MINUTE,
  mins: MINUTE,
  minute: MINUTE,
  minutes: MINUTE,
  h: 60 * MINUTE,
  hr: 60 * MINUTE,
  hrs: 60 * MINUTE,
  hour: 60 * MINUTE,
  hours: 60 * MINUTE,
  d: 24 * 60 * MINUTE,
  day: 24 * 60 * MINUTE,
  days: 24 * 60 * MINUTE,
};

function hour12(hour: string, ampm: string): number {
  return (Number(hour) % 12) + (ampm.toLowerCase() === "pm" ? 12 : 0);
}

interface ClockFields {
  mon: string | undefined;
  day: string | undefined;
  year: string | undefined;
  hour: number;
  minute: string | undefined;
  /** An IANA zone; this process's own when absent. */
  zone?: string | undefined;
}

/** The end of the named minute in its zone; a missing date or year is the next one after `at`. */
function clockTime(f: ClockFields, at: number): number | undefined {
  const zone = f.zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const today = wallClock(at, zone);
  if (today === undefined) return undefined;
  const minute = Number(f.minute ?? 0);
  const month = f.mon === undefined ? undefined : MONTHS.indexOf(f.mon.toLowerCase());
  if (month === -1) return undefined;
  const candidates: number[] = [];
  if (month === undefined) {
    for (const shift of [-1, 0, 1])
      candidates.push(instantIn(zone, today.year, today.month, today.day + shift, f.hour, minute));
  } else {
    const years = f.year === undefined ? [today.year, today.year + 1] : [Number(f.year)];
    for (const year of years)
      candidates.push(instantIn(zone, year, month, Number(f.day), f.hour, minute));
  }
  const ends = candidates.map((c) => c + MINUTE);
  return ends.find((end) => end > at - SLACK_MS) ?? ends.at(-1);
}

interface Wall {
  year: number;
  /** 0-based. */
  month: number;
  day: number;
}

/** The calendar date at `instant` in `zone`; undefined for a zone Intl does not know. */
function wallClock(instant: number, zone: string): Wall | undefined {
  const parts = zoneParts(instant, zone);
  return parts === undefined
    ? undefined
    : { year: parts.year, month: parts.month - 1, day: parts.day };
}

/** The instant whose wall clock in `zone` reads the given fields (Date.UTC normalises overflow). */
function instantIn(
  zone: string,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
): number {
  const wall = Date.UTC(year, month, day, hour, minute);
  // Two passes settle an offset that differs across a DST change.
  let instant = wall - offsetMs(wall, zone);
  instant = wall - offsetMs(instant, zone);
  return instant;
}

/** `zone`'s offset from UTC at `instant`, in ms. */
function offsetMs(instant: number, zone: string): number {
  const p = zoneParts(instant, zone);
  if (p === undefined) return 0;
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

type Parts = Record<"year" | "month" | "day" | "hour" | "minute" | "second", number>;

function zoneParts(instant: number, zone: string): Parts | undefined {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  } catch (error) {
    // A zone name Intl does not know ("resets 7pm (Mars/Olympus)"): no reset rather than a guess.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  const out: Partial<Parts> = {};
  for (const part of format.formatToParts(new Date(instant)))
    if (part.type in PART_NAMES) out[part.type as keyof Parts] = Number(part.value);
  return out as Parts;
}

const PART_NAMES = { year: 1, month: 1, day: 1, hour: 1, minute: 1, second: 1 };
