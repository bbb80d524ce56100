/**
 * Predicted conflicts in process: two in-flight stages change one file; the engine notices at a
 * completion request and on its slow timer (fake clock), and `flux status` reports the pair.
 */
import { afterEach, describe, expect, it } from "vitest";
import { readStatus } from "../../src/cli/commands/status.ts";
import { renderStatus } from "../../src/cli/render/status.ts";
import { conflicts } from "../../src/core/merge/predict.ts";
import { loadPrediction } from "../../src/store/predictions.ts";
import { flux } from "../kit/cli.ts";
import { engineHarness } from "./harness.ts";
import type { EngineHarness } from "./harness.ts";

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.[Symbol.asyncDispose]();
  h = undefined;
});

describe("predicted conflicts", () => {
  it("reports two running stages that change one file, in status text and JSON", async () => {
    // api's acceptance fails, so its completion request leaves it in flight, unmerged.
    h = await engineHarness([{ id: "api", acceptance: ["false"] }, { id: "ui" }], {
      engine: { predictIntervalMs: 30_000 },
    });
    const harness = h;
    harness.engine.requestRun({});
    const api = await harness.launched("api");
    await harness.launched("ui");
    const planId = harness.store.activePlan()!.id;
    harness.commit("api", "README.md", "api\n");

    // The timer: nothing conflicts yet (ui has not committed), and each stage is checked.
    harness.clock.advance(30_000);
    await harness.engine.conflictsSettled();
    expect(loadPrediction(harness.store, planId).checks).toHaveLength(3);
    expect(readStatus(harness.paths).conflicts).toEqual([]);

    // ui commits the same file; the next tick of the timer sees its head move.
    harness.commit("ui", "README.md", "ui\n");
    harness.clock.advance(30_000);
    await harness.engine.conflictsSettled();
    const view = readStatus(harness.paths);
    expect(view.conflicts).toEqual([
      {
        a: "api",
        b: "ui",
        bIsBase: false,
        files: ["README.md"],
        text: "api and ui both change README.md",
      },
    ]);
    expect(renderStatus(view, false)).toContain(
      "Predicted conflicts\n  api and ui both change README.md",
    );
    // The command itself, as the user runs it (no daemon: it reads the store).
    const cli = await flux(["status", "--json"], { cwd: harness.repo.dir });
    expect(cli.code).toBe(0);
    expect((JSON.parse(cli.stdout) as { conflicts: unknown }).conflicts).toEqual(view.conflicts);
    const text = await flux(["status"], { cwd: harness.repo.dir });
    expect(text.stdout).toContain("api and ui both change README.md");

    // api backs out its change and asks to complete: the request looks again at once.
    harness.commit("api", "README.md", "# test repo\n");
    harness.commit("api", "api.txt", "api\n");
    await (
      await harness.engine.complete("api", { sessionId: api.id })
    ).result;
    await harness.engine.conflictsSettled();
    expect(harness.stage("api").state).not.toBe("merged");
    expect(conflicts(loadPrediction(harness.store, planId))).toEqual([]);
  });

  it("looks again when a merge moves the base, with no session event or timer", async () => {
    h = await engineHarness([{ id: "doc" }, { id: "ui" }], {
      engine: { predictIntervalMs: 3_600_000 },
    });
    const harness = h;
    harness.engine.requestRun({});
    const doc = await harness.launched("doc");
    await harness.launched("ui");
    harness.commit("ui", "README.md", "ui\n");
    harness.commit("doc", "README.md", "doc\n");

    // doc's request looks while both are in flight: they conflict, the base is clean with each.
    await (
      await harness.engine.complete("doc", { sessionId: doc.id })
    ).result;
    await harness.until("doc merged", () => harness.stage("doc").state === "merged");
    await harness.engine.conflictsSettled();
    // doc's change is on the base now: ui conflicts with the base, though nothing else moved.
    expect(readStatus(harness.paths).conflicts).toEqual([
      expect.objectContaining({ a: "ui", b: "main", bIsBase: true, files: ["README.md"] }),
    ]);
  });
});
