/** `flux doctor` names an agent CLI whose last session could not start, with what it said. */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { insertSession } from "../../src/store/sessions.ts";
import { recordFailure } from "../../src/store/session-records.ts";
import { Store } from "../../src/store/store.ts";
import { fluxRepo } from "../kit/flux-repo.ts";

describe("flux doctor: agents that could not start", () => {
  it("reports the agent's last session when it was an infrastructure failure, with a fix", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const store = new Store(path.join(repo.dir, ".work", "flux.db"));
    try {
      const planId = store.activePlan()?.id ?? 0;
      store.write((emit) => {
        for (const [id, agent] of [
          ["ses_a1", "codex"],
          ["ses_a2", "claude"],
        ] as const)
          insertSession(store, emit, {
            id,
            planId,
            stageId: "a",
            agent,
            backend: "tmux",
            name: "flux-a",
            tokenHash: id,
            purpose: "start",
          });
        recordFailure(
          store,
          emit,
          "ses_a1",
          "infrastructure",
          "Error: not logged in\nRun codex login",
        );
        recordFailure(store, emit, "ses_a2", "crash");
      });
    } finally {
      store.close();
    }
    const doctor = await repo.run(["doctor", "--json"]);
    const data = JSON.parse(doctor.stdout) as {
      checks: { name: string; status: string; detail: string; fix?: string }[];
    };
    const start = data.checks.filter((c) => c.name.endsWith(" start"));
    expect(start).toEqual([
      {
        name: "codex start",
        need: "optional",
        status: "problem",
        detail: expect.stringMatching(
          /^its last session \(ses_a1, stage a, .+\) could not start: Error: not logged in \| Run codex login$/,
        ) as string,
        fix: "make `codex` start by hand in a terminal (log in, finish its first-run setup), then `flux resume a`",
      },
    ]);
  });
});
