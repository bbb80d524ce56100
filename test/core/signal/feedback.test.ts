import { describe, expect, it } from "vitest";
import { formatFeedback } from "../../../src/core/signal/index.ts";

describe("formatFeedback", () => {
  it("says which check failed, why, and shows its output", () => {
    const text = formatFeedback({
      kind: "acceptance",
      failed: [{ command: "npm test", reason: "exit 1, expected 0", outputTail: "FAIL x\n" }],
      notRun: ["npm run lint", "set -e\nnpm run build"],
    });
    expect(text).toBe(
      [
        "Acceptance failed.",
        "`npm test` failed: exit 1, expected 0. Its output (stdout and stderr):\n\n```text\nFAIL x\n```",
        "Not run, because an earlier check failed: `npm run lint`, `set -e` ….",
        'Fix the cause, commit, and run `"$FLUX_BIN" stage complete` again.',
      ].join("\n\n"),
    );
  });

  it("notes the attempt, a truncated tail, and a silent command", () => {
    const truncated = formatFeedback({
      kind: "acceptance",
      failed: [{ command: "t", reason: "r", outputTail: "end", outputTruncated: true }],
      notRun: [],
      attempt: 3,
      maxAttempts: 5,
    });
    expect(truncated).toContain("Acceptance failed (this is fix attempt 3 of 5).");
    expect(truncated).toContain("The end of its output (stdout and stderr):");
    const silent = formatFeedback({
      kind: "acceptance",
      failed: [{ command: "t", reason: "timed out after 1m", outputTail: "" }],
      notRun: [],
      attempt: 2,
    });
    expect(silent).toContain("(this is fix attempt 2).");
    expect(silent).toContain("`t` failed: timed out after 1m. It printed nothing.");
    expect(silent).not.toContain("Not run");
  });

  it("keeps output holding code fences inside its block", () => {
    const text = formatFeedback({
      kind: "acceptance",
      failed: [{ command: "t", reason: "r", outputTail: "```\nx\n```\n" }],
      notRun: [],
    });
    expect(text).toContain("````text\n```\nx\n```\n````");
  });

  it("quotes a gate's rejection", () => {
    const text = formatFeedback({
      kind: "gate",
      reason: "No tests.\n\nAdd some.",
      reviewer: "Ana",
    });
    expect(text).toBe(
      [
        "Ana rejected this stage at its verification gate:",
        "> No tests.\n>\n> Add some.",
        'Address the review, commit, and run `"$FLUX_BIN" stage complete` again.',
      ].join("\n\n"),
    );
  });
  it("tells a resolution session to merge the base in, resolve and ask again", () => {
    const text = formatFeedback(
      { kind: "conflict", base: "main", files: ["a.txt", "src/b.ts"], attempt: 2, maxAttempts: 3 },
      "flux stage complete",
    );
    expect(text).toContain(
      "the base branch `main` has moved on and now conflicts with your branch in `a.txt`, `src/b.ts` (this is fix attempt 2 of 3)",
    );
    expect(text).toContain("`main` is untouched until your resolution passes acceptance");
    expect(text).toContain("1. In this worktree, run `git merge main`.");
    expect(text).toContain("5. Run `flux stage complete`.");
    const gained = Array.from({ length: 12 }, (_, i) => `abcdef0${i % 10} change ${i}`);
    const listed = formatFeedback({
      kind: "conflict",
      base: "main",
      files: ["a"],
      baseCommits: gained,
    });
    expect(listed).toContain(
      "What `main` gained since your branch left it:\n\n- `abcdef00` change 0\n",
    );
    expect(listed).toContain("- `abcdef09` change 9\n- and 2 more\n\n1. In this worktree");
    expect(formatFeedback({ kind: "conflict", base: "dev", files: [] })).toContain(
      "conflicts with your branch. Flux has not merged anything",
    );
  });
});
