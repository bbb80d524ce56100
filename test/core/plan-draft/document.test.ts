import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/core/diagnostics.ts";
import {
  countDiagnostics,
  draftLoop,
  extractPlanDocument,
  formatDiagnosticsForAgent,
  planNameFromGoal,
} from "../../../src/core/plan-draft/index.ts";
import type { DraftProgress } from "../../../src/core/plan-draft/index.ts";

const DOC = `# PLAN: X

Prose.

<!-- FLUX METADATA -->

\`\`\`yaml
flux:
  version: 1
  stages:
    - id: a
\`\`\`

<!-- END FLUX METADATA -->
`;

describe("extractPlanDocument", () => {
  it("takes a bare answer as it is", () => {
    expect(extractPlanDocument(DOC)).toBe(DOC);
  });

  it("drops chatter before the title and after the END marker", () => {
    expect(extractPlanDocument(`Here is the plan:\n\n${DOC}\nRun flux init next.\n`)).toBe(DOC);
  });

  it("unwraps a markdown fence, longer or as long as the YAML fence inside it", () => {
    expect(extractPlanDocument(`Sure.\n\n\`\`\`\`markdown\n${DOC}\`\`\`\`\n`)).toBe(DOC);
    expect(extractPlanDocument(`\`\`\`md\n${DOC}\`\`\`\n\nDone.`)).toBe(DOC);
  });

  it("leaves a marker inside a YAML example alone when the answer is not wrapped", () => {
    const text = `Notes first.\n\n\`\`\`yaml\nkey: 1\n\`\`\`\n\n${DOC}`;
    expect(extractPlanDocument(text)).toBe(DOC);
  });

  it("returns an answer without a marker trimmed, for validation to say what is missing", () => {
    expect(extractPlanDocument("  I need more details.  \n")).toBe("I need more details.\n");
  });
});

describe("planNameFromGoal", () => {
  it("keeps five words that say something", () => {
    expect(planNameFromGoal("Add JWT login to the API!")).toBe("add-jwt-login-api");
    expect(planNameFromGoal("Build a link shortener: a store, an HTTP API and a CLI")).toBe(
      "build-link-shortener-store-http",
    );
  });

  it("folds accents, and falls back to draft", () => {
    expect(planNameFromGoal("Réécrire le café")).toBe("reecrire-le-cafe");
    expect(planNameFromGoal("???")).toBe("draft");
    expect(planNameFromGoal("the")).toBe("the");
  });

  it("stays within the plan name limit", () => {
    const name = planNameFromGoal("internationalisation ".repeat(3));
    expect(name.length).toBeLessThanOrEqual(41);
    expect(name).toMatch(/^[a-z0-9][a-z0-9-]*$/);
  });
});

const cycle: Diagnostic = {
  code: "PLAN_CYCLE",
  severity: "error",
  message: "stages wait for each other: a → b → a",
  file: "doc/plans/PLAN-x.md",
  line: 9,
  column: 7,
  hint: "remove one of: b's dependency on a",
};
const overlap: Diagnostic = {
  code: "PLAN_FILES_OVERLAP",
  severity: "warning",
  message: "a and c may both change src/x.ts",
  file: "doc/plans/PLAN-x.md",
  line: 12,
};

describe("the diagnostics as the agent reads them", () => {
  it("lists each with file:line:col, severity, code, message and hint", () => {
    expect(formatDiagnosticsForAgent([cycle, overlap])).toBe(
      [
        "- doc/plans/PLAN-x.md:9:7: error[PLAN_CYCLE]: stages wait for each other: a → b → a",
        "  hint: remove one of: b's dependency on a",
        "- doc/plans/PLAN-x.md:12: warning[PLAN_FILES_OVERLAP]: a and c may both change src/x.ts",
      ].join("\n"),
    );
    expect(countDiagnostics([cycle, overlap])).toBe("1 error and 1 warning");
    expect(countDiagnostics([cycle, cycle])).toBe("2 errors");
  });
});

describe("draftLoop", () => {
  const answers = (...texts: string[]) => {
    const asked: { prompt: string; conversation: string | undefined }[] = [];
    return {
      asked,
      ask: (prompt: string, conversation: string | undefined) => {
        asked.push({ prompt, conversation });
        const text = texts[asked.length - 1] ?? "";
        return Promise.resolve({ text, conversation: "conv-1" });
      },
    };
  };
  const check = (document: string) =>
    document.includes("good")
      ? { ok: true, diagnostics: [overlap] }
      : { ok: false, diagnostics: [cycle] };

  it("sends the diagnostics back to the same conversation until the plan is valid", async () => {
    const agent = answers("bad", "good");
    const events: DraftProgress[] = [];
    const result = await draftLoop({
      rounds: 3,
      firstPrompt: "plan it",
      repairPrompt: (d) => `fix ${d.map((x) => x.code).join(",")}`,
      ask: agent.ask,
      check,
      progress: (e) => events.push(e),
    });
    expect(agent.asked).toEqual([
      { prompt: "plan it", conversation: undefined },
      { prompt: "fix PLAN_CYCLE", conversation: "conv-1" },
    ]);
    expect(result).toEqual({
      ok: true,
      rounds: 2,
      document: "good\n",
      diagnostics: [overlap],
      conversation: "conv-1",
    });
    expect(events.map((e) => `${e.kind}${e.round}`)).toEqual([
      "asking1",
      "checked1",
      "asking2",
      "checked2",
    ]);
  });

  it("stops after the last round with the last diagnostics", async () => {
    const agent = answers("bad", "bad again", "good");
    const result = await draftLoop({
      rounds: 2,
      firstPrompt: "plan it",
      repairPrompt: () => "fix",
      ask: agent.ask,
      check,
    });
    expect(agent.asked).toHaveLength(2);
    expect(result).toMatchObject({ ok: false, rounds: 2, document: "bad again\n" });
    expect(result.diagnostics).toEqual([cycle]);
  });
});
