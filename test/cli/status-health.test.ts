/** What `flux status` shows of health: each session's warnings with what Flux did, and why it failed. */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildStatus, renderStatus } from "../../src/cli/render/status.ts";
import { insertSession, listSessions } from "../../src/store/sessions.ts";
import { recordFailure, recordWarning } from "../../src/store/session-records.ts";
import { Store } from "../../src/store/store.ts";
import { planOf } from "../kit/plans.ts";
import { tempDir } from "../kit/temp-repo.ts";

let dir: string;
let store: Store;
beforeEach(() => {
  dir = tempDir();
  store = new Store(path.join(dir, "flux.db"));
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("flux status: health", () => {
  it("lists each session's warnings under it, and a failure class beside its result", () => {
    const { planId } = store.applyPlan({
      plan: planOf([{ id: "a" }]),
      file: "doc/plans/PLAN-test.md",
      contentHash: "hash",
      baseBranch: "main",
    });
    store.write((emit) => {
      for (const id of ["ses_old", "ses_new"])
        insertSession(store, emit, {
          id,
          planId,
          stageId: "a",
          agent: "codex",
          backend: "tmux",
          name: "flux-a",
          tokenHash: id,
          purpose: "start",
        });
      recordFailure(store, emit, "ses_old", "infrastructure", "Error: not logged in");
      recordWarning(store, emit, "ses_new", {
        kind: "stalled",
        at: "2026-12-05T12:00:00.000Z",
        detail: "no output, model call or hook since 2026-12-05T11:50:00.000Z (10m)",
        action: "none yet: `flux attach a` to look",
      });
    });
    const plan = store.activePlan();
    if (plan === undefined) throw new Error("no plan");
    const view = buildStatus(plan, store.stages(planId), listSessions(store, planId));
    expect(view.sessions.map((s) => [s.id, s.failure, s.warnings.map((w) => w.kind)])).toEqual([
      ["ses_old", "infrastructure", []],
      ["ses_new", null, ["stalled"]],
    ]);
    const text = renderStatus(view, false);
    expect(text).toMatch(
      /^\s+⚠ stalled: no output, model call or hook since .+ \(10m\) — none yet: `flux attach a` to look$/m,
    );
    expect(text).toMatch(/ses_old.*failed: infrastructure/);
  });
});
