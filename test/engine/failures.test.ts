/**
 * Failure classes in the engine (in process: memory backend, fake clock): recorded on each
 * failed session, and deciding the next step — an agent CLI that cannot start is tried once
 * more, then its stage blocks with what it said.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { logFile, screenFile } from "../../src/engine/session-files.ts";
import { getSession, markSessionEnded } from "../../src/store/sessions.ts";
import type { SessionRecord } from "../../src/store/sessions.ts";
import { engineHarness } from "./harness.ts";
import type { EngineHarness } from "./harness.ts";

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.[Symbol.asyncDispose]();
  h = undefined;
});

/** What the agent printed, as its runner logs it. */
function said(harness: EngineHarness, session: SessionRecord, text: string): void {
  const file = logFile(harness.paths.work, session.id);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(
    file,
    `${JSON.stringify({ t: "x", type: "output", stream: "stderr", text })}\n`,
  );
}

const failureOf = (harness: EngineHarness, id: string) => getSession(harness.store, id)?.failure;

describe("failure classes", () => {
  it("an agent CLI that exits at once without a model call is retried once, then blocks its stage with its words", async () => {
    h = await engineHarness([{ id: "a", agent: "codex", max_retries: 0 }]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    said(h, first, "Error: not logged in.\nRun `codex login` first.\n");
    h.engine.sessionExited(first.id, { code: 1, signal: null });
    const second = await h.launched("a");
    expect(second.purpose).toBe("retry");
    expect(h.stage("a").retries).toBe(0); // not a retry of max_retries: 0
    expect(getSession(h.store, first.id)).toMatchObject({
      failure: "infrastructure",
      failureDetail: "Error: not logged in.\nRun `codex login` first.",
    });

    said(h, second, "Error: not logged in.\n");
    h.engine.sessionExited(second.id, { code: 1, signal: null });
    const blocked = await h.until(
      "blocked",
      () => h?.stage("a").state === "blocked" && h.stage("a"),
    );
    expect(blocked.reason).toContain(
      "the codex CLI could not start, twice: it said:\nError: not logged in.",
    );
    expect(blocked.reason).toContain("`flux resume a`");
    expect(h.events.filter((e) => e.type === "session.failed").map((e) => e.data)).toMatchObject([
      { session: first.id, failure: "infrastructure" },
      { session: second.id, failure: "infrastructure" },
    ]);
  });

  it("keeps an interactive agent's last screen as what it said", async () => {
    h = await engineHarness([{ id: "a", agent: "claude", mode: "interactive" }], {
      backend: { kind: "tmux" },
    });
    h.engine.requestRun({});
    const first = await h.launched("a");
    fs.writeFileSync(
      screenFile(h.paths.work, first.id),
      "Unable to connect to Anthropic services\n",
    );
    h.engine.sessionExited(first.id, { code: 1, signal: null });
    await h.launched("a");
    expect(getSession(h.store, first.id)?.failureDetail).toBe(
      "Unable to connect to Anthropic services",
    );
  });

  it("a session that worked before failing is a crash, with the usual retries", async () => {
    h = await engineHarness([{ id: "a", agent: "codex", max_retries: 1 }]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    h.clock.advance(60_000);
    h.engine.sessionExited(first.id, { code: 1, signal: null });
    const second = await h.launched("a");
    expect(failureOf(h, first.id)).toBe("crash");
    expect(h.stage("a").retries).toBe(1);
    h.engine.sessionExited(second.id, {
      code: 1,
      signal: null,
      telemetry: {
        usage: { inputTokens: 10, outputTokens: 5, cacheCreationTokens: 0, cacheReadTokens: 0 },
        costEstimated: false,
        result: "error",
        errorClass: "api_error",
      },
    });
    await h.until("failed", () => h?.stage("a").state === "failed");
    expect(failureOf(h, second.id)).toBe("api_error");
  });

  it("an exit without asking whose acceptance fails is an acceptance failure; a merge conflict is recorded on the last session", async () => {
    h = await engineHarness([{ id: "a", acceptance: ["test -f a.txt"], max_retries: 2 }]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    h.engine.sessionExited(first.id, { code: 0, signal: null });
    const second = await h.launched("a");
    expect(failureOf(h, first.id)).toBe("acceptance");

    // The base moves under the stage: its merge conflicts.
    h.repo.write("a.txt", "base\n");
    h.repo.git("add", "a.txt");
    h.repo.git("commit", "-qm", "base a.txt");
    h.commit("a", "a.txt", "a\n");
    await (
      await h.engine.complete("a", { sessionId: second.id })
    ).result;
    await h.until("blocked", () => h?.stage("a").state === "blocked");
    expect(failureOf(h, second.id)).toBe("merge_conflict");
  });

  it("a session end recorded by a daemon that died before acting on it is decided by the next one", async () => {
    h = await engineHarness([{ id: "a", max_retries: 2 }], { backend: { kind: "tmux" } });
    h.engine.requestRun({});
    const first = await h.launched("a");
    await h.engine.stop();
    // The end is in the store, the stage still running: the daemon died right after the write.
    const store = h.store;
    store.write((emit) =>
      markSessionEnded(store, emit, first.id, { status: "exited", exitCode: 3, exitSignal: null }),
    );
    h.backend.exit("flux-a", 3);
    await h.restart();
    const second = await h.launched("a");
    expect(second.purpose).toBe("retry");
    expect(h.stage("a").retries).toBe(1);
  });
});
