/** Signal data for tests: a full signal, and one with every optional part empty. */
import type { SignalData } from "../../../src/core/signal/index.ts";

export function fullSignal(): SignalData {
  return {
    stage: {
      id: "api",
      name: "HTTP API",
      description: "Serve the **todo** list over HTTP.",
      files: ["src/api/**", "test/api/**"],
    },
    plan: {
      title: "Todo app",
      overview: "# PLAN: Todo app\n\n## Overview\n\nA small todo app.",
    },
    acceptance: [
      { command: "npm test", timeoutMs: 600_000, expectExit: 0 },
      { command: "./check.sh", timeoutMs: 30_000, expectExit: 3, stdoutContains: "ok" },
    ],
    dependencies: [
      {
        id: "model",
        name: "Data model",
        branch: "flux/model",
        mergeCommit: "abc1234",
        commits: ["abc1230 Add Todo type", "abc1231 Store todos"],
      },
    ],
    feedback: {
      kind: "acceptance",
      failed: [
        { command: "npm test", reason: "exit 1, expected 0", outputTail: "FAIL api.test.ts\n" },
      ],
      notRun: ["./check.sh"],
      attempt: 2,
      maxAttempts: 5,
    },
    recovery: {
      attempt: 2,
      maxAttempts: 3,
      commits: ["def5678 Add route"],
      uncommittedFiles: [" M src/api/routes.ts"],
      lastOutput: ["Running tests…", "Editing routes.ts"],
    },
    handoff: "### Handoff 001: api\n\nThe routes are half done.",
    session: { id: "ses_01", worktree: "/repo/.worktrees/api", branch: "flux/api" },
  };
}

export function bareSignal(): SignalData {
  return {
    stage: { id: "api", name: "api", description: "", files: [] },
    plan: { title: "Todo app", overview: "" },
    acceptance: [],
    dependencies: [],
    session: { id: "ses_01", worktree: "/repo/.worktrees/api", branch: "flux/api" },
  };
}
