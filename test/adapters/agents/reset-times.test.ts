/** Reset instants read from the CLIs' words, headers and bodies; the limit classes. */
import { describe, expect, it } from "vitest";
import {
  durationMs,
  resetFromBody,
  resetFromHeaders,
  resetFromText,
} from "../../../src/adapters/agents/limits.ts";
import { classifyApiError } from "../../../src/adapters/agents/shared.ts";

const utc = (...args: [number, number, number, number, number, number?]) => Date.UTC(...args);
const AT = utc(2026, 11, 5, 18, 53, 11);

describe("resetFromText", () => {
  it("reads Claude's clock time at the end of its minute, in the zone it names", () => {
    const text = "You've hit your session limit · resets 6:53pm (UTC)";
    expect(resetFromText(text, AT)).toBe(utc(2026, 11, 5, 18, 54));
    // Whole hours drop the minutes; another zone (Paris is UTC+1 in December).
    expect(resetFromText("resets 9pm (Europe/Paris)", AT)).toBe(utc(2026, 11, 5, 20, 1));
    // Summer time: New York is UTC-4 in July.
    const july = utc(2026, 6, 1, 12, 0);
    expect(resetFromText("resets 10:30am (America/New_York)", july)).toBe(utc(2026, 6, 1, 14, 31));
  });

  it("takes a dateless time as the next one, a little in the past included", () => {
    // 6:20pm is past by more than the slack: tomorrow's.
    expect(resetFromText("resets 6:20pm (UTC)", AT)).toBe(utc(2026, 11, 6, 18, 21));
    // 6:50pm is past by 2 minutes (read late): today's.
    expect(resetFromText("resets 6:50pm (UTC)", AT)).toBe(utc(2026, 11, 5, 18, 51));
    expect(resetFromText("resets 12am (UTC)", AT)).toBe(utc(2026, 11, 6, 0, 1));
    expect(resetFromText("resets 12:05pm (UTC)", AT)).toBe(utc(2026, 11, 6, 12, 6));
  });

  it("reads Claude's dates past a day, into next year when the month has passed", () => {
    expect(resetFromText("You've hit your weekly limit · resets Dec 7, 6:50pm (UTC)", AT)).toBe(
      utc(2026, 11, 7, 18, 51),
    );
    expect(resetFromText("resets Jan 2, 9am (UTC)", AT)).toBe(utc(2027, 0, 2, 9, 1));
    expect(resetFromText("resets Jan 2, 2028, 9am (UTC)", AT)).toBe(utc(2028, 0, 2, 9, 1));
  });

  it("reads Codex's times in this process's zone", () => {
    const local = (...a: [number, number, number, number, number]) => new Date(...a).getTime();
    const at = local(2026, 11, 5, 18, 56);
    const limit = "You’ve hit your usage limit. Upgrade to Pro (…) or try again at 8:26 PM.";
    expect(resetFromText(limit, at)).toBe(local(2026, 11, 5, 20, 27));
    expect(resetFromText("Try again at Dec 7th, 2026 6:50 PM.", at)).toBe(
      local(2026, 11, 7, 18, 51),
    );
    expect(resetFromText("try again at Jan 1st, 2027 12:00 AM.", at)).toBe(local(2027, 0, 1, 0, 1));
  });

  it("reads relative times", () => {
    expect(resetFromText("Rate limit reached … Please try again in 20s.", AT)).toBe(AT + 20_000);
    expect(resetFromText("Please try again in 1.898s.", AT)).toBe(AT + 1_898);
    expect(resetFromText("Usage limit reached. It will reset in 2 hours 5 minutes.", AT)).toBe(
      AT + 125 * 60_000,
    );
    expect(resetFromText("resets in 6m0s", AT)).toBe(AT + 360_000);
  });

  it("names nothing when the text does not", () => {
    for (const text of [
      "API Error: Request rejected (429) · Number of requests has exceeded your per-minute rate limit",
      "API Error: 500 Internal server error. This is a server-side issue, usually temporary — try again in a moment.",
      "You’ve hit your usage limit. … or try again later.",
      "exceeded retry limit, last status: 429 Too Many Requests",
      "resets 7pm (Mars/Olympus)",
      "try again in 3 tries",
    ])
      expect(resetFromText(text, AT), text).toBeUndefined();
  });
});

describe("resetFromHeaders", () => {
  it("prefers the subscription reset, then retry-after, then the latest per-kind reset", () => {
    expect(
      resetFromHeaders(
        { "anthropic-ratelimit-unified-reset": "1796496887", "retry-after": "2" },
        AT,
      ),
    ).toBe(1796496887000);
    expect(resetFromHeaders({ "retry-after": "2", "x-ratelimit-reset-requests": "9s" }, AT)).toBe(
      AT + 2000,
    );
    expect(resetFromHeaders({ "Retry-After-Ms": "250" }, AT)).toBe(AT + 250);
    expect(resetFromHeaders({ "retry-after": "Sat, 05 Dec 2026 19:00:00 GMT" }, AT)).toBe(
      utc(2026, 11, 5, 19, 0),
    );
    expect(
      resetFromHeaders(
        { "x-ratelimit-reset-requests": "2s", "x-ratelimit-reset-tokens": "6m0s" },
        AT,
      ),
    ).toBe(AT + 360_000);
    expect(
      resetFromHeaders(
        {
          "anthropic-ratelimit-requests-reset": "2026-12-05T18:53:13Z",
          "anthropic-ratelimit-tokens-reset": "2026-12-05T18:53:20Z",
        },
        AT,
      ),
    ).toBe(utc(2026, 11, 5, 18, 53, 20));
    expect(resetFromHeaders({ "content-type": "application/json" }, AT)).toBeUndefined();
  });
});

describe("resetFromBody", () => {
  it("reads Codex's usage_limit_reached fields", () => {
    expect(
      resetFromBody({ error: { type: "usage_limit_reached", resets_at: 1796502581 } }, AT),
    ).toBe(1796502581000);
    expect(resetFromBody({ error: { resets_in_seconds: 60 } }, AT)).toBe(AT + 60_000);
    expect(resetFromBody({ error: { type: "insufficient_quota" } }, AT)).toBeUndefined();
    expect(resetFromBody("nope", AT)).toBeUndefined();
  });
});

describe("durationMs", () => {
  it("adds the parts of a duration", () => {
    expect(durationMs("1h30m")).toBe(5_400_000);
    expect(durationMs("20ms")).toBe(20);
    expect(durationMs("3 days")).toBe(259_200_000);
    expect(durationMs("soon")).toBeUndefined();
  });
});

describe("classifyApiError", () => {
  it("tells usage limits from rate limits in every measured wording", () => {
    const usage = [
      "You've hit your session limit · resets 6:54pm (UTC)",
      "You’ve hit your usage limit. Upgrade to Plus to continue using Codex (…), or try again at 7:50 PM.",
      "Quota exceeded. Check your plan and billing details.",
      "You exceeded your current quota, please check your plan and billing details.",
      "To use Codex with your ChatGPT plan, upgrade to Plus: https://chatgpt.com/explore/plus.",
      "Credit balance is too low",
      "You're out of usage credits · resets 3pm (UTC)",
      'The usage limit has been reached {"error":{"type":"usage_limit_reached"}}',
    ];
    for (const text of usage) expect(classifyApiError(429, text), text).toBe("usage_limit");
    const rate = [
      "API Error: Request rejected (429) · Number of requests has exceeded your per-minute rate limit",
      "API Error: Server is temporarily limiting requests (not your usage limit) · slow down",
      "exceeded retry limit, last status: 429 Too Many Requests",
    ];
    for (const text of rate) expect(classifyApiError(429, text), text).toBe("rate_limit");
    expect(classifyApiError(undefined, rate[2] ?? "")).toBe("rate_limit");
    expect(
      classifyApiError(
        undefined,
        "We’re currently experiencing high demand, which may cause temporary errors.",
      ),
    ).toBe("api_error");
  });
});
