/**
 * The notifier over a real engine (in process: memory backend, fake clock) and a real `sh`
 * notify command that appends its stdin to a file: every kind of wait for a human, the cursor
 * across restarts, and commands that fail or hang. Waits are on the notifier going idle after
 * the event that calls for it, never on sleeps.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SessionTelemetry } from "../../src/adapters/agents/types.ts";
import type { NotifyPayload } from "../../src/core/notify.ts";
import { shellQuote } from "../../src/core/shell.ts";
import type { Notifier } from "../../src/server/notify.ts";
import { forgetNotifications, startNotifier } from "../../src/server/notify.ts";
import { readNotifyCursor } from "../../src/store/notify.ts";
import { engineHarness } from "../engine/harness.ts";
import type { EngineHarness } from "../engine/harness.ts";
import { tempDir } from "../kit/temp-repo.ts";

let h: EngineHarness | undefined;
const running = new Set<{ stop(): Promise<void> }>();
afterEach(async () => {
  for (const notifier of running) await notifier.stop();
  running.clear();
  await h?.[Symbol.asyncDispose]();
  h = undefined;
});

interface Notes {
  /** Where the command appends its stdin, one JSON document a line. */
  out: string;
  /** What the command saw in its FLUX_NOTIFY_* variables, one line each. */
  envFile: string;
  /** The notifier's log lines. */
  log: string[];
  start(options?: {
    command?: string;
    timeoutMs?: number;
    stopGraceMs?: number;
    cwd?: string;
  }): Notifier;
  sent(): NotifyPayload[];
}

/** A notifier over the harness's store, woken by every event it commits. */
function notes(harness: EngineHarness): Notes {
  const dir = tempDir("flux-notify-");
  const out = path.join(dir, "out.jsonl");
  const envFile = path.join(dir, "env.txt");
  const log: string[] = [];
  const command =
    `cat >> ${shellQuote(out)}; ` +
    `printf '%s|%s|%s|%s\\n' "$FLUX_NOTIFY_KIND" "$FLUX_NOTIFY_STAGE" "$FLUX_NOTIFY_COMMAND" "$FLUX_NOTIFY_REASON" >> ${shellQuote(envFile)}`;
  return {
    out,
    envFile,
    log,
    start(options = {}) {
      const notifier = startNotifier({
        store: harness.store,
        command: options.command ?? command,
        timeoutMs: options.timeoutMs ?? 10_000,
        stopGraceMs: options.stopGraceMs,
        cwd: options.cwd ?? harness.repo.dir,
        env: { PATH: process.env.PATH, NOTES: out },
        log: (line) => log.push(line),
      });
      const off = harness.store.subscribe(() => notifier.wake());
      const handle = {
        ...notifier,
        async stop() {
          off();
          running.delete(handle);
          await notifier.stop();
        },
      };
      running.add(handle);
      return handle;
    },
    sent: () =>
      fs.existsSync(out)
        ? fs
            .readFileSync(out, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as NotifyPayload)
        : [],
  };
}

const NO_USAGE = { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0 };

/** The runner's report of a session that failed, then its backend session's end. */
function exitWith(harness: EngineHarness, stageId: string, telemetry?: SessionTelemetry) {
  const session = harness.session(stageId);
  harness.engine.sessionExited(session.id, { code: 1, signal: null, telemetry });
  harness.backend.exit(`flux-${stageId}`, 1);
}

describe("notifications for each kind of wait", () => {
  it("gate: a `verify: human` stage completes; the JSON names the plan, the stage and the event", async () => {
    h = await engineHarness([{ id: "a", verify: "human" }]);
    const n = notes(h);
    const notifier = n.start();
    h.engine.requestRun({});
    const session = await h.launched("a");
    h.commit("a", "a.txt", "a\n");
    await (
      await h.engine.complete("a", { sessionId: session.id })
    ).result;
    await h.until("the gate", () => h?.stage("a").state === "awaiting_verification");
    await notifier.idle();

    const gate = h.events.find(
      (e) => e.type === "stage.transitioned" && e.data.to === "awaiting_verification",
    );
    expect(n.sent()).toEqual([
      {
        version: 1,
        kind: "gate",
        stage: "a",
        reason: "waiting for `flux verify a`",
        command: "flux verify a",
        plan: { file: "doc/plans/PLAN-test.md", title: expect.any(String) as string },
        event: { seq: gate?.seq, at: gate?.at, type: "stage.transitioned", data: gate?.data },
      },
    ]);
    expect(fs.readFileSync(n.envFile, "utf8")).toBe(
      "gate|a|flux verify a|waiting for `flux verify a`\n",
    );
    expect(n.log).toContain(`notify: gate a (event ${gate?.seq}): sent`);
  });

  it("question: the agent asks; its words reach the command as data, never as shell", async () => {
    h = await engineHarness([{ id: "a" }]);
    const n = notes(h);
    const notifier = n.start();
    h.engine.requestRun({});
    const session = await h.launched("a");
    const question = `which database? $(touch pwned) '"; touch pwned2`;
    const planId = h.stage("a").planId;
    h.store.transition(planId, "a", "question_asked", { reason: question, actor: session.id });
    await notifier.idle();

    expect(n.sent()).toMatchObject([
      { kind: "question", stage: "a", reason: question, command: "flux attach a" },
    ]);
    expect(fs.readFileSync(n.envFile, "utf8")).toBe(`question|a|flux attach a|${question}\n`);
    expect(fs.readdirSync(h.repo.dir).filter((f) => f.startsWith("pwned"))).toEqual([]);
  });

  it("blocked: acceptance failed max_fix_attempts times", async () => {
    h = await engineHarness([{ id: "a", acceptance: ["false"], max_fix_attempts: 1 }]);
    const n = notes(h);
    const notifier = n.start();
    h.engine.requestRun({});
    const session = await h.launched("a");
    h.commit("a", "a.txt", "a\n");
    await (
      await h.engine.complete("a", { sessionId: session.id })
    ).result;
    await h.until("blocked", () => h?.stage("a").state === "blocked");
    await notifier.idle();

    expect(n.sent()).toMatchObject([
      {
        kind: "blocked",
        stage: "a",
        reason: expect.stringMatching(/^acceptance failed 1 times; last: `false`/) as string,
        command: "flux resume a",
        event: { data: { trigger: "fix_attempts_exhausted", to: "blocked" } },
      },
    ]);
  });

  it("failed: the last retry crashed", async () => {
    h = await engineHarness([{ id: "a", max_retries: 0 }]);
    const n = notes(h);
    const notifier = n.start();
    h.engine.requestRun({});
    await h.launched("a");
    exitWith(h, "a");
    await h.until("failed", () => h?.stage("a").state === "failed");
    await notifier.idle();

    expect(n.sent()).toMatchObject([
      {
        kind: "failed",
        stage: "a",
        reason: expect.stringMatching(/retries exhausted/) as string,
        command: "flux resume a",
        event: { data: { trigger: "retries_exhausted", to: "failed" } },
      },
    ]);
  });

  it("parked: a usage limit on the only agent; says when it resumes by itself", async () => {
    h = await engineHarness([{ id: "a", agent: "claude", mode: "headless" }]);
    const n = notes(h);
    const notifier = n.start();
    h.engine.requestRun({});
    await h.launched("a");
    const reset = h.clock.now().getTime() + 3 * 3600_000;
    exitWith(h, "a", {
      usage: NO_USAGE,
      costEstimated: false,
      result: "error",
      errorClass: "usage_limit",
      errorMessage: "API Error: usage_limit",
      limitResetAt: reset,
    });
    await h.until("parked", () => h?.stage("a").state === "parked");
    await notifier.idle();

    expect(n.sent()).toMatchObject([
      {
        kind: "parked",
        stage: "a",
        reason: expect.stringMatching(/^parked until \d\d:\d\d: claude usage limit$/) as string,
        command: "flux resume a",
        until: new Date(reset).toISOString(),
        event: { data: { trigger: "parked", to: "parked" } },
      },
    ]);
  });

  it("input: a session waits for a permission prompt", async () => {
    h = await engineHarness([{ id: "a" }]);
    const n = notes(h);
    const notifier = n.start();
    h.engine.requestRun({});
    const session = await h.launched("a");
    h.engine.hook(session.id, { event: "permission-request", tool: "Bash" });
    await notifier.idle();

    expect(n.sent()).toMatchObject([
      {
        kind: "input",
        stage: "a",
        reason: "permission prompt for Bash",
        command: "flux attach a",
        session: session.id,
        event: { type: "session.waiting" },
      },
    ]);
  });
});

describe("the cursor", () => {
  it("starts at the end of the log the first time: no flood of old waits", async () => {
    h = await engineHarness([
      { id: "a", max_retries: 0 },
      { id: "b", max_retries: 0 },
    ]);
    h.engine.requestRun({});
    await h.launched("a");
    await h.launched("b");
    exitWith(h, "a");
    await h.until("a failed", () => h?.stage("a").state === "failed");
    const n = notes(h);
    const notifier = n.start();
    await notifier.idle();
    expect(n.sent()).toEqual([]);
    expect(n.log).toContain(`notify: first start, from event ${h.store.lastSeq()} on`);

    exitWith(h, "b");
    await h.until("b failed", () => h?.stage("b").state === "failed");
    await notifier.idle();
    expect(n.sent().map((s) => [s.kind, s.stage])).toEqual([["failed", "b"]]);
  });

  it("survives a restart: what happened while stopped is sent once on the next start, nothing earlier again", async () => {
    h = await engineHarness([
      { id: "a", max_retries: 0 },
      { id: "b", max_retries: 0 },
    ]);
    const n = notes(h);
    const first = n.start();
    h.engine.requestRun({});
    await h.launched("a");
    await h.launched("b");
    exitWith(h, "a");
    await h.until("a failed", () => h?.stage("a").state === "failed");
    await first.idle();
    await first.stop();

    exitWith(h, "b");
    await h.until("b failed", () => h?.stage("b").state === "failed");
    await h.restart();
    const second = n.start();
    await second.idle();
    expect(n.sent().map((s) => [s.kind, s.stage])).toEqual([
      ["failed", "a"],
      ["failed", "b"],
    ]);
    expect(readNotifyCursor(h.store)).toBe(h.store.lastSeq());

    // Without a notify command nothing is owed: a command set later starts afresh.
    await second.stop();
    forgetNotifications(h.store);
    expect(readNotifyCursor(h.store)).toBeUndefined();
  });

  it("a command cut off as the daemon stops is sent again by the next one (at least once)", async () => {
    h = await engineHarness([{ id: "a", max_retries: 0 }]);
    const n = notes(h);
    const gate = path.join(path.dirname(n.out), "held");
    // The first run records its event, then hangs until it is killed; later runs just record.
    const command = `cat >> "$NOTES"; if [ ! -e ${shellQuote(gate)} ]; then : > ${shellQuote(gate)}; exec sleep 60; fi`;
    const first = n.start({ command, stopGraceMs: 100 });
    h.engine.requestRun({});
    await h.launched("a");
    const before = readNotifyCursor(h.store);
    exitWith(h, "a");
    await h.until("a failed", () => h?.stage("a").state === "failed");
    await fileAppears(gate);
    await first.stop();
    expect(
      n.log.some((l) => /^notify: failed a \(event \d+\): killed as the daemon stops/.test(l)),
    ).toBe(true);
    expect(readNotifyCursor(h.store)).toBeLessThan(h.store.lastSeq());
    expect(readNotifyCursor(h.store)).toBeGreaterThanOrEqual(before ?? 0);

    const second = n.start({ command });
    await second.idle();
    const sent = n.sent();
    expect(sent.map((s) => [s.kind, s.stage])).toEqual([
      ["failed", "a"],
      ["failed", "a"],
    ]);
    expect(sent[0]?.event.seq).toBe(sent[1]?.event.seq);
  });
});

describe("stopping", () => {
  it("sends what is owed before the daemon stops", async () => {
    h = await engineHarness([
      { id: "a", max_retries: 0 },
      { id: "b", max_retries: 0 },
    ]);
    const n = notes(h);
    const notifier = n.start();
    h.engine.requestRun({});
    await h.launched("a");
    await h.launched("b");
    exitWith(h, "a");
    exitWith(h, "b");
    await h.until("both failed", () => ["a", "b"].every((id) => h?.stage(id).state === "failed"));
    await notifier.stop();
    expect(n.sent().map((s) => s.stage)).toEqual(["a", "b"]);
    expect(readNotifyCursor(h.store)).toBe(h.store.lastSeq());
  });
});

describe("commands that fail or hang", () => {
  it("are logged, with their output, and do not hold up the next notification", async () => {
    h = await engineHarness([
      { id: "bad", max_retries: 0 },
      { id: "slow", max_retries: 0 },
      { id: "good", max_retries: 0 },
    ]);
    const n = notes(h);
    const command =
      `case "$FLUX_NOTIFY_STAGE" in bad) echo "no webhook" >&2; exit 3;; slow) sleep 60;; esac; ` +
      `cat >> "$NOTES"`;
    const notifier = n.start({ command, timeoutMs: 300 });
    h.engine.requestRun({});
    for (const id of ["bad", "slow", "good"]) await h.launched(id);
    for (const id of ["bad", "slow", "good"]) {
      exitWith(h, id);
      await h.until(`${id} failed`, () => h?.stage(id).state === "failed");
    }
    // The engine went on meanwhile: every stage failed before the slow command was killed.
    await notifier.idle();

    expect(n.sent().map((s) => s.stage)).toEqual(["good"]);
    const seqOf = (id: string) =>
      h?.events.find(
        (e) => e.type === "stage.transitioned" && e.stageId === id && e.data.to === "failed",
      )?.seq;
    expect(n.log).toEqual(
      expect.arrayContaining([
        `notify: failed bad (event ${seqOf("bad")}): no webhook`,
        `notify: failed bad (event ${seqOf("bad")}): the command failed (exit 3)`,
        `notify: failed slow (event ${seqOf("slow")}): the command ran past 300 ms and was killed`,
        `notify: failed good (event ${seqOf("good")}): sent`,
      ]),
    );
    expect(readNotifyCursor(h.store)).toBe(h.store.lastSeq());
  });

  it("a command that is not found, or cannot start, is logged too", async () => {
    h = await engineHarness([
      { id: "a", max_retries: 0 },
      { id: "b", max_retries: 0 },
    ]);
    const n = notes(h);
    const missing = n.start({ command: "exec /nonexistent/notify" });
    h.engine.requestRun({});
    await h.launched("a");
    await h.launched("b");
    exitWith(h, "a");
    await h.until("a failed", () => h?.stage("a").state === "failed");
    await missing.idle();
    await missing.stop();
    const nowhere = n.start({ cwd: path.join(h.repo.dir, "no-such-dir") });
    exitWith(h, "b");
    await h.until("b failed", () => h?.stage("b").state === "failed");
    await nowhere.idle();

    expect(n.log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^notify: failed a \(event \d+\): the command failed \(exit 127\)$/),
        expect.stringMatching(
          /^notify: failed b \(event \d+\): the command could not run: .*ENOENT/,
        ),
      ]),
    );
    expect(n.sent()).toEqual([]);
  });
});

/** Resolves once `file` exists: woken by its directory's changes, not by polling. */
function fileAppears(file: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = fs.watch(path.dirname(file), () => check());
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`${file} did not appear`));
    }, timeoutMs);
    const check = () => {
      if (!fs.existsSync(file)) return;
      clearTimeout(timer);
      watcher.close();
      resolve();
    };
    check();
  });
}
