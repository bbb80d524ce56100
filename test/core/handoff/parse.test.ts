import { describe, expect, it } from "vitest";
import { FluxError } from "../../../src/core/errors.ts";
import { parseHandoff, refsIn } from "../../../src/core/handoff/parse.ts";
import { handoffTemplate } from "../../../src/core/handoff/render.ts";

const DOC = `# Handoff: api

## Summary

The parser works; the renderer is half done.
Tests for the parser pass.

## Completed

- Parser for the five sections (committed)
* JSON input

## Remaining

1. Render the facts section: \`src/core/handoff/render.ts:40-80\`
2. Wire the CLI in src/cli/commands/handoff.ts:12 and \`src/cli/program/run.ts:30\`

## Decisions

- Refs are taken from the task's text, because agents write them inline.

## Open questions

None.
`;

/** The error `fn` throws, which must be a FluxError. */
function refusal(fn: () => unknown): FluxError {
  try {
    fn();
  } catch (error) {
    if (error instanceof FluxError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("parseHandoff: markdown", () => {
  it("reads the five sections, items of any list style, refs from each task's text", () => {
    expect(parseHandoff(DOC)).toEqual({
      summary: "The parser works; the renderer is half done.\nTests for the parser pass.",
      completed: ["Parser for the five sections (committed)", "JSON input"],
      remaining: [
        {
          task: "Render the facts section: `src/core/handoff/render.ts:40-80`",
          refs: ["src/core/handoff/render.ts:40-80"],
        },
        {
          task: "Wire the CLI in src/cli/commands/handoff.ts:12 and `src/cli/program/run.ts:30`",
          refs: ["src/cli/commands/handoff.ts:12", "src/cli/program/run.ts:30"],
        },
      ],
      decisions: ["Refs are taken from the task's text, because agents write them inline."],
      questions: [],
    });
  });

  it("reads CRLF, trailing colons, other heading levels and case, and leaves extra sections out", () => {
    const doc = [
      "\uFEFF# Handoff 003: api",
      "",
      "Some preamble the parser ignores.",
      "",
      "### SUMMARY:",
      "Half done.",
      "",
      "## completed:",
      "- a",
      "",
      "## Notes",
      "- not a section of the handoff",
      "",
      "## Remaining ##",
      "- b `x/y.ts:3`",
      "  - nested detail, part of b",
      "  continued line",
      "",
      "## Decisions",
      "none",
      "",
      "## Open Questions",
      "- *None.*",
      "",
      "## Where things stand (from Flux)",
      "- Context: 80%",
      "```text",
      "## Summary (inside a fence: not a heading)",
      "```",
    ].join("\r\n");
    expect(parseHandoff(doc)).toEqual({
      summary: "Half done.",
      completed: ["a"],
      remaining: [
        {
          task: "b `x/y.ts:3` nested detail, part of b continued line",
          refs: ["x/y.ts:3"],
        },
      ],
      decisions: [],
      questions: [],
    });
  });

  it("takes paragraphs in a list section as items, and empty sections as empty lists", () => {
    const doc =
      "## Summary\nS\n## Completed\nEverything in the plan's first half.\n\nAnd the docs.\n## Remaining\n## Decisions\n\n## Open questions\nNone.\n";
    expect(parseHandoff(doc)).toMatchObject({
      completed: ["Everything in the plan's first half.", "And the docs."],
      remaining: [],
      decisions: [],
      questions: [],
    });
  });

  it("refuses a document with missing sections, naming every one, the template in the hint", () => {
    const error = refusal(() => parseHandoff("## Summary\nhalf done\n\n## Remaining\nNone.\n"));
    expect(error.code).toBe("HANDOFF_INVALID");
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      "handoff refused: missing sections: ## Completed, ## Decisions, ## Open questions",
    );
    expect(error.data.missing).toEqual(["## Completed", "## Decisions", "## Open questions"]);
    expect(error.hint).toContain("    ## Open questions");
    expect(error.hint).toContain("None.");
    expect(error.stack).toBeDefined();
    expect(error.message).not.toContain("    at ");
  });

  it("refuses remaining tasks without a file:line reference, naming each", () => {
    const doc = DOC.replace(
      /## Remaining[\s\S]*?## Decisions/,
      "## Remaining\n\n- Write the docs\n- Fix `src/a.ts:3`\n- Tidy up around localhost:3000 at 10:30\n\n## Decisions",
    );
    const error = refusal(() => parseHandoff(doc));
    expect(error.message).toBe(
      'handoff refused: remaining tasks without a file:line reference (e.g. `src/app.ts:42`): "Write the docs", "Tidy up around localhost:3000 at 10:30"',
    );
    expect(error.data.tasksWithoutRefs).toEqual([
      "Write the docs",
      "Tidy up around localhost:3000 at 10:30",
    ]);
  });

  it("refuses an empty summary, and names every problem at once", () => {
    const doc = "## Summary\n\nNone.\n\n## Remaining\n- Write the docs\n";
    const error = refusal(() => parseHandoff(doc));
    expect(error.message).toBe(
      'handoff refused: missing sections: ## Completed, ## Decisions, ## Open questions; the summary is empty; remaining task without a file:line reference (e.g. `src/app.ts:42`): "Write the docs"',
    );
  });

  it("refuses the template itself, and an empty document", () => {
    const template = refusal(() => parseHandoff(handoffTemplate()));
    expect(template.message).toBe(
      "handoff refused: still the template's placeholder text in ## Summary, ## Completed, ## Remaining, ## Decisions, ## Open questions",
    );
    expect(refusal(() => parseHandoff(" \n\r\n")).message).toBe(
      "handoff refused: the document is empty",
    );
    expect(refusal(() => parseHandoff("just some words")).data.missing).toHaveLength(5);
  });
});

describe("parseHandoff: JSON", () => {
  const handoff = {
    summary: "Half done.",
    completed: ["parser"],
    remaining: [{ task: "renderer", refs: ["src/r.ts:1-9"] }],
    decisions: [],
    questions: ["Which markdown flavour?"],
  };

  it("accepts the object, refs given or in the task's text, extra fields left out", () => {
    expect(parseHandoff(JSON.stringify(handoff))).toEqual(handoff);
    const inline = {
      ...handoff,
      title: "ignored",
      remaining: [{ task: "renderer at src/r.ts:4", refs: [] }, "the CLI: src/c.ts:2"],
    };
    expect(parseHandoff(`  ${JSON.stringify(inline, null, 2)}\n`).remaining).toEqual([
      { task: "renderer at src/r.ts:4", refs: ["src/r.ts:4"] },
      { task: "the CLI: src/c.ts:2", refs: ["src/c.ts:2"] },
    ]);
  });

  it("refuses missing fields, bad refs, bad JSON and tasks without refs", () => {
    const missing = refusal(() => parseHandoff(JSON.stringify({ summary: "s", completed: [] })));
    expect(missing.message).toBe(
      'handoff refused: missing sections: field "remaining", field "decisions", field "questions"',
    );
    const badRef = refusal(() =>
      parseHandoff(JSON.stringify({ ...handoff, remaining: [{ task: "t", refs: ["nowhere"] }] })),
    );
    expect(badRef.message).toContain("remaining.0.refs.0: a file:line reference");
    const broken = refusal(() => parseHandoff('{"summary": '));
    expect(broken.code).toBe("HANDOFF_INVALID");
    expect(broken.message).toMatch(/^handoff refused: it starts like JSON but is not valid JSON/);
    const noRefs = refusal(() =>
      parseHandoff(JSON.stringify({ ...handoff, remaining: [{ task: "t", refs: [] }] })),
    );
    expect(noRefs.data.tasksWithoutRefs).toEqual(["t"]);
    const empty = refusal(() => parseHandoff(JSON.stringify({ ...handoff, summary: " " })));
    expect(empty.message).toBe("handoff refused: the summary is empty");
  });
});

describe("refsIn", () => {
  it("finds path:line and path:line-line, not times, ports or URLs", () => {
    expect(
      refsIn(
        "see `src/a.ts:12`, README.md:3-9, lib/x:4, src/a.ts:12 again, 10:30, localhost:3000, http://example.com:443/x, a.ts:2:7",
      ),
    ).toEqual(["src/a.ts:12", "README.md:3-9", "lib/x:4", "a.ts:2"]);
  });

  it("stays linear on long inputs without a reference", () => {
    const long = `${"a/".repeat(50_000)}b`;
    const start = performance.now();
    expect(refsIn(long)).toEqual([]);
    expect(performance.now() - start).toBeLessThan(500);
  });
});
