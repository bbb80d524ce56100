import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { FluxError } from "../../../src/core/errors.ts";
import {
  SIGNAL_PLACEHOLDERS,
  checkSignalTemplate,
  renderSignal,
  signalValues,
} from "../../../src/core/signal/index.ts";
import { bareSignal, fullSignal } from "./fixtures.ts";

const DEFAULT = fs.readFileSync(new URL("../../../templates/signal.md", import.meta.url), "utf8");

/** Headings followed by nothing but blank lines before the next heading of the same or a higher level, or the end. */
function emptyHeadings(markdown: string): string[] {
  const lines = markdown.split("\n");
  const empty: string[] = [];
  lines.forEach((line, i) => {
    const heading = /^(#+) /.exec(line);
    if (heading === null) return;
    const level = heading[1]?.length ?? 0;
    let j = i + 1;
    while (j < lines.length && lines[j]?.trim() === "") j++;
    const next = lines[j];
    const nextLevel = next === undefined ? 0 : (/^(#+) /.exec(next)?.[1]?.length ?? Infinity);
    if (nextLevel <= level) empty.push(line);
  });
  return empty;
}

function position(text: string, needle: string): number {
  const at = text.indexOf(needle);
  expect(at, `"${needle}" is in the signal`).toBeGreaterThanOrEqual(0);
  return at;
}

describe("the default signal template", () => {
  it("passes its own check and uses only known placeholders", () => {
    expect(() => checkSignalTemplate(DEFAULT)).not.toThrow();
  });

  it("renders every part, stable parts first and volatile parts last", () => {
    const text = renderSignal(DEFAULT, fullSignal());
    const order = [
      "## How to work",
      "## The plan: Todo app",
      "A small todo app.",
      "## Your stage: HTTP API (`api`)",
      "Serve the **todo** list over HTTP.",
      "- `src/api/**`",
      "## What this stage builds on",
      "### Data model (`model`)",
      "Branch `flux/model`, merged as `abc1234`.",
      "- abc1231 Store todos",
      "## Acceptance",
      "1. `npm test` (exit 0, timeout 10m)",
      '2. `./check.sh` (exit 3, stdout contains "ok", timeout 30s)',
      "## Where you work",
      "- Worktree (your working directory): `/repo/.worktrees/api`",
      "- Branch: `flux/api`",
      '- When Flux tells you to hand off: `"$FLUX_BIN" handoff create`',
      "## Continue from the handoff",
      "### Handoff 001",
      "## Feedback on the previous attempt",
      "FAIL api.test.ts",
      "## Recovery",
      "This is attempt 2 of 3.",
      "- def5678 Add route",
      "Editing routes.ts",
      "## This session",
      "Session `ses_01`.",
    ];
    const positions = order.map((needle) => position(text, needle));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(emptyHeadings(text)).toEqual([]);
    expect(text).not.toContain("{{");
    expect(text).not.toMatch(/\n\n\n/);
    expect(text.endsWith("Session `ses_01`.\n")).toBe(true);
  });

  it("puts feedback and recovery after every stable part", () => {
    const text = renderSignal(DEFAULT, fullSignal());
    const volatile = Math.min(position(text, "## Feedback"), position(text, "## Recovery"));
    for (const stable of [
      "## How to work",
      "## The plan",
      "## Your stage",
      "## What this",
      "## Acceptance",
    ]) {
      expect(position(text, stable)).toBeLessThan(volatile);
    }
    // Only the session's id comes after them.
    const after = text.slice(position(text, "## Recovery") + 1);
    expect(after.match(/^## .*/gm)).toEqual(["## This session"]);
    expect(position(text, "## Continue from the handoff")).toBeLessThan(volatile);
    expect(position(text, "## Where you work")).toBeLessThan(
      position(text, "## Continue from the handoff"),
    );
  });

  it("leaves no empty headings when every optional part is absent", () => {
    const text = renderSignal(DEFAULT, bareSignal());
    expect(emptyHeadings(text)).toEqual([]);
    expect(text).not.toMatch(/\n\n\n/);
    for (const absent of [
      "## The plan",
      "## What this",
      "## Continue from",
      "## Feedback",
      "## Recovery",
      "<plan>",
    ]) {
      expect(text).not.toContain(absent);
    }
    expect(text).toContain("## Your stage: `api`");
    expect(text).toContain('Part of the plan "Todo app".');
    expect(text).toContain("no description beyond its name.");
    expect(text).toContain("This stage lists no acceptance commands");
  });

  it("states the working protocol and the exact completion command", () => {
    const text = renderSignal(DEFAULT, bareSignal());
    expect(text).toContain('run `"$FLUX_BIN" stage complete`');
    expect(text).toContain("Never edit `.work/`");
    for (const step of [
      "Orient",
      "feedback loop",
      "small steps",
      "Verify",
      "Review your own diff",
      "Finish",
    ]) {
      expect(text).toContain(step);
    }
  });

  it("inserts plan and stage text verbatim", () => {
    const data = bareSignal();
    data.stage.description = "Use <Tag> & {{stage_id}} and `code` *as is*.";
    const text = renderSignal(DEFAULT, data);
    expect(text).toContain("Use <Tag> & {{stage_id}} and `code` *as is*.");
  });
});

describe("signal values", () => {
  it("has a value for every placeholder", () => {
    expect(Object.keys(signalValues(fullSignal())).sort()).toEqual([...SIGNAL_PLACEHOLDERS].sort());
  });

  it("renders a multi-line acceptance command whole, nested under its item", () => {
    const data = bareSignal();
    data.acceptance = [{ command: "set -e\nnpm test\n", timeoutMs: 60_000, expectExit: 0 }];
    expect(signalValues(data).acceptance).toBe(
      "1. (exit 0, timeout 1m)\n\n   ```sh\n   set -e\n   npm test\n   ```",
    );
  });

  it("describes an unmerged dependency and cuts long commit lists", () => {
    const data = bareSignal();
    data.dependencies = [
      {
        id: "db",
        name: "db",
        branch: "flux/db",
        mergeCommit: null,
        commits: Array.from({ length: 25 }, (_, i) => `c${i}`),
      },
    ];
    const text = signalValues(data).dependencies;
    expect(text).toContain("### `db`");
    expect(text).toContain("not merged yet: this stage builds on its branch");
    expect(text).toContain("- c19\n- … and 5 more");
    expect(text).not.toContain("- c20");
  });

  it("says so when a crashed session left nothing behind", () => {
    const data = bareSignal();
    data.recovery = { attempt: 3, commits: [], uncommittedFiles: [], lastOutput: [] };
    const text = signalValues(data).recovery;
    expect(text).toContain("This is attempt 3.");
    expect(text).toContain("Commits on this branch since its base: none.");
    expect(text).toContain("Uncommitted files: none.");
    expect(text).toContain("The previous session left no output.");
  });
});

describe("custom templates", () => {
  it("renders any arrangement of the placeholders", () => {
    const template =
      "Do {{stage_id}} on {{branch}}.\n{{#feedback}}\nFix: {{feedback}}\n{{/feedback}}";
    expect(renderSignal(template, bareSignal())).toBe("Do api on flux/api.\n");
    const data = bareSignal();
    data.feedback = { kind: "gate", reason: "no tests" };
    expect(renderSignal(template, data)).toContain("Fix: A reviewer rejected this stage");
  });

  it("rejects an unknown placeholder before rendering anything", () => {
    const attempt = () => checkSignalTemplate("{{#feedback}}{{stage.id}}{{/feedback}}");
    expect(attempt).toThrow(FluxError);
    expect(attempt).toThrow(/unknown placeholder \{\{stage\.id\}\}/);
    expect(() => renderSignal("{{stage}}", bareSignal())).toThrow(/\{\{stage\}\}/);
  });
});
