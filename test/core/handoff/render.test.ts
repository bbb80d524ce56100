import { describe, expect, it } from "vitest";
import { parseHandoff } from "../../../src/core/handoff/parse.ts";
import type { RenderableHandoff } from "../../../src/core/handoff/render.ts";
import {
  handoffFileName,
  handoffTemplate,
  renderHandoff,
} from "../../../src/core/handoff/render.ts";
import type { Handoff } from "../../../src/core/handoff/types.ts";

const HANDOFF: Handoff = {
  summary: "The parser works.\n\nThe renderer is half done: facts are missing.",
  completed: ["Parser (committed)", "A multi-line\nitem"],
  remaining: [
    { task: "Render the facts", refs: ["src/core/handoff/render.ts:40-80"] },
    { task: "Wire `src/cli/x.ts:3` into the program", refs: ["src/cli/x.ts:3", "src/cli/y.ts:9"] },
  ],
  decisions: ["Refs come from the task's text: agents write them inline."],
  questions: [],
};

const record = (over: Partial<RenderableHandoff> = {}): RenderableHandoff => ({
  stageId: "stage-1",
  number: 1,
  author: "agent",
  reason: "context",
  sessionId: "ses_abc",
  createdAt: "2026-01-02T03:04:05.000Z",
  handoff: HANDOFF,
  facts: { commits: [], diffStat: "", uncommittedFiles: [] },
  ...over,
});

describe("renderHandoff", () => {
  it("renders the title, who wrote it and why, and the five sections", () => {
    expect(renderHandoff(record())).toBe(`# Handoff 001: stage-1

Written by the agent of session \`ses_abc\` on 2026-01-02 03:04 UTC: the session's context ran high.

## Summary

The parser works.

The renderer is half done: facts are missing.

## Completed

- Parser (committed)
- A multi-line
  item

## Remaining

- Render the facts (\`src/core/handoff/render.ts:40-80\`)
- Wire \`src/cli/x.ts:3\` into the program (\`src/cli/y.ts:9\`)

## Decisions

- Refs come from the task's text: agents write them inline.

## Open questions

None.
`);
  });

  it("reads back as the same five sections", () => {
    const back = parseHandoff(renderHandoff(record()));
    expect(back).toEqual({
      ...HANDOFF,
      completed: ["Parser (committed)", "A multi-line item"],
    });
    const full = record({
      facts: {
        commits: ["abcd1234 Add parser"],
        diffStat: " a.ts | 2 +-\n## not a heading\n 1 file changed",
        uncommittedFiles: ["b.ts"],
        lastMessages: ["## Summary\nI am about to stop."],
      },
    });
    expect(parseHandoff(renderHandoff(full))).toEqual(back);
  });

  it("adds what Flux knows, each part only when it has something", () => {
    const text = renderHandoff(
      record({
        number: 12,
        author: "flux",
        reason: "limit",
        facts: {
          context: { percent: 91, tokens: 182_000, window: 200_000 },
          commits: ["abcd1234 Add parser", "0123abcd Start"],
          diffStat: " src/a.ts | 10 +++++-----\n 1 file changed, 5 insertions(+), 5 deletions(-)\n",
          uncommittedFiles: ["src/b.ts", "notes `odd`.md"],
          wipCommit: "feedbeef",
          acceptance: { passed: false, commit: "abcd1234", failed: "`npm test` exited 1" },
          lastMessages: ["Working on the renderer.", "Tests fail:\n\nFAIL render"],
        },
      }),
    );
    expect(text.split("\n## Where things stand (from Flux)\n\n")[1])
      .toBe(`- Context when it handed off: 91% (182,000 of 200,000 tokens).
- Last acceptance run: failed on \`abcd1234\`: \`npm test\` exited 1.
- Flux committed the files the session left uncommitted as \`feedbeef\`: check that work before building on it.

Files left uncommitted when the session ended:

- \`src/b.ts\`
- \`\`notes \`odd\`.md\`\`

Commits on the branch since its base, newest first:

- abcd1234 Add parser
- 0123abcd Start

The branch against its base:

\`\`\`text
 src/a.ts | 10 +++++-----
 1 file changed, 5 insertions(+), 5 deletions(-)
\`\`\`

The agent's last messages, oldest first:

> Working on the renderer.

> Tests fail:
>
> FAIL render
`);
    expect(text).toMatch(/^# Handoff 012: stage-1\n/);
    expect(text).toContain(
      "Written by Flux for the work of session `ses_abc` on 2026-01-02 03:04 UTC: the session's context crossed the hard limit, so Flux stopped it.",
    );
  });

  it("leaves the facts section out when Flux has nothing to add, and is deterministic", () => {
    const passed = renderHandoff(
      record({
        sessionId: null,
        author: "flux",
        reason: "ignored",
        facts: {
          commits: [],
          diffStat: "",
          uncommittedFiles: [],
          acceptance: { passed: true, commit: "abcd1234" },
        },
      }),
    );
    expect(passed).toContain(
      "Written by Flux on 2026-01-02 03:04 UTC: the agent was told to hand off and did not in time, so Flux stopped it.",
    );
    expect(passed).toMatch(
      /## Where things stand \(from Flux\)\n\n- Last acceptance run: passed on `abcd1234`\.\n$/,
    );
    expect(renderHandoff(record())).not.toContain("Where things stand");
    expect(renderHandoff(record())).toBe(renderHandoff(record()));
  });
});

describe("handoff names and the template", () => {
  it("pads the number to three digits in file names", () => {
    expect(handoffFileName("stage-1", 1)).toBe("stage-1-handoff-001.md");
    expect(handoffFileName("api", 1234)).toBe("api-handoff-1234.md");
  });

  it("gives the five headings the parser asks for", () => {
    const headings = handoffTemplate()
      .split("\n")
      .filter((line) => line.startsWith("## "));
    expect(headings).toEqual([
      "## Summary",
      "## Completed",
      "## Remaining",
      "## Decisions",
      "## Open questions",
    ]);
  });
});
