import { describe, expect, it } from "vitest";
import {
  formatDuration,
  pullRequestBody,
  pullRequestTitle,
  type PrFacts,
} from "../../../src/core/merge/pr-body.ts";

const FACTS: PrFacts = {
  stage: { id: "api", name: "The API", description: "Adds the `/v1` routes.\n" },
  branch: "flux/api",
  baseBranch: "main",
  commit: "0123456789abcdef0123",
  acceptance: {
    trigger: "request",
    durationMs: 2_500,
    checks: [
      {
        command: "npm test",
        passed: true,
        skipped: false,
        exitCode: 0,
        timedOut: false,
        durationMs: 2_000,
      },
      {
        command: "grep -q 'a|b' out && echo `x`",
        passed: true,
        skipped: false,
        exitCode: 0,
        timedOut: false,
        durationMs: 500,
      },
    ],
  },
  sessions: [
    {
      id: "ses_1",
      agent: "claude",
      purpose: "start",
      status: "exited",
      durationMs: 125_000,
      inputTokens: 120_000,
      outputTokens: 3_000,
      costUsd: 1.5,
      costEstimated: false,
    },
    {
      id: "ses_2",
      agent: "codex",
      purpose: "retry",
      status: "exited",
      durationMs: 60_000,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: null,
      costEstimated: false,
    },
  ],
};

describe("the pull request's description", () => {
  it("says what the stage is, on which commit, into which base", () => {
    const body = pullRequestBody(FACTS);
    expect(body).toMatch(/^Stage \*\*api\*\*: The API\n\nAdds the `\/v1` routes\.\n/);
    expect(body).toContain("Branch `flux/api` at `0123456789ab` into `main`.");
  });

  it("lists the acceptance checks that passed on the commit, table-safe", () => {
    const body = pullRequestBody(FACTS);
    expect(body).toContain("Flux ran the checks on this commit (request, 2.5 s):");
    expect(body).toContain("| `npm test` | passed (exit 0) | 2.0 s |");
    // A pipe would end the cell; a backtick the code span.
    expect(body).toContain("| `` grep -q 'a\\|b' out && echo `x` `` | passed (exit 0) | 500 ms |");
  });

  it("counts the sessions, their agents and time, and adds up the cost", () => {
    const body = pullRequestBody(FACTS);
    expect(body).toContain("2 sessions (claude, codex), 3 m 05 s in all.");
    expect(body).toContain(
      "| `ses_1` | claude | start | exited | 2 m 05 s | 120k / 3000 | $1.50 |",
    );
    expect(body).toContain("| `ses_2` | codex | retry | exited | 1 m 00 s | – | – |");
    expect(body).toContain("Cost: $1.50 (some sessions reported none).");
  });

  it("says so when no acceptance ran or no session worked, and ends with Flux's footer", () => {
    const body = pullRequestBody({
      ...FACTS,
      stage: { id: "api", name: "api", description: "" },
      acceptance: undefined,
      sessions: [],
    });
    expect(body).toMatch(/^Stage \*\*api\*\*\n\nBranch/);
    expect(body).toContain("No acceptance run passed on this commit: a human completed the stage.");
    expect(body).toContain("No agent session: the work was done outside Flux.");
    expect(body.trimEnd().split("\n").at(-1)).toMatch(/^Opened by Flux for stage `api`\./);
    expect(body).not.toContain("Cost:");
  });

  it("marks estimated costs", () => {
    const body = pullRequestBody({
      ...FACTS,
      sessions: [{ ...FACTS.sessions[0]!, costUsd: 0.01234, costEstimated: true }],
    });
    expect(body).toContain("Cost: ~$0.0123.");
  });

  it("titles it by the stage's name, with its id", () => {
    expect(pullRequestTitle({ id: "api", name: "The API" })).toBe("The API (flux: api)");
    expect(pullRequestTitle({ id: "api", name: "api" })).toBe("flux: api");
  });

  it("writes durations in human units", () => {
    expect([850, 12_340, 245_000, 3_720_000].map(formatDuration)).toEqual([
      "850 ms",
      "12.3 s",
      "4 m 05 s",
      "1 h 02 m",
    ]);
  });
});
