/**
 * The pure parts of `flux tui`: the rows, gauges, header and session lines it builds from the
 * status view (read from a real store, written as the engine writes it), the layout, the text
 * helpers, and the key map.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StageState } from "../../src/core/stage/states.ts";
import type { StatusView } from "../../src/cli/render/status.ts";
import { buildStatus } from "../../src/cli/render/status.ts";
import type { KeyPress } from "../../src/cli/tui/keys.ts";
import { keyCommand, keyPresses } from "../../src/cli/tui/keys.ts";
import {
  FIXED_ROWS,
  evidenceLines,
  fit,
  gauge,
  header,
  layout,
  messageRows,
  moveSelection,
  paneText,
  reselect,
  scrollTop,
  sessionLine,
  stageKeys,
  stageRows,
  titleRow,
} from "../../src/cli/tui/model.ts";
import { listSessions } from "../../src/store/sessions.ts";
import { Store } from "../../src/store/store.ts";
import { LEVEL_TOKENS, writeContextRows } from "../kit/context-rows.ts";
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

/**
 * Stages a (a live session in the red), b (an ended session), c waiting on both; `states`
 * sets stages' states as a run would have moved them.
 */
function view(states: Record<string, StageState> = {}): StatusView {
  const { planId } = store.applyPlan({
    plan: planOf([{ id: "a" }, { id: "b" }, { id: "c", dependencies: ["a", "b"] }]),
    file: "doc/plans/PLAN-test.md",
    contentHash: "hash",
    baseBranch: "main",
  });
  writeContextRows(store, planId, [
    { id: "ses_a1", stage: "a", tokens: LEVEL_TOKENS.red },
    { id: "ses_b1", stage: "b", tokens: LEVEL_TOKENS.green, ended: true },
  ]);
  const plan = store.activePlan()!;
  return buildStatus(
    plan,
    store.stages(planId).map((s) => ({ ...s, state: states[s.id] ?? s.state })),
    listSessions(store, planId),
  );
}

const key = (input: string, flags: Partial<KeyPress> = {}): KeyPress => ({
  input,
  upArrow: false,
  downArrow: false,
  pageUp: false,
  pageDown: false,
  home: false,
  end: false,
  escape: false,
  ctrl: false,
  meta: false,
  ...flags,
});

describe("flux tui: the stage table", () => {
  it("gives a live session's context as a gauge with its level, and none to ended sessions", () => {
    const rows = stageRows(view({ a: "running", b: "failed" }));
    expect(rows.map((r) => r.id)).toEqual(["a", "b", "c"]);
    expect(rows[0]!.context).toEqual({ percent: 80, level: "red", text: "80%" });
    expect(rows[1]!.context).toBeNull();
    expect(rows[2]!.detail).toBe("waits on a (running), b (failed)");
    expect(gauge(80, 10)).toEqual({ filled: "████████", empty: "░░" });
    expect(gauge(0, 4)).toEqual({ filled: "", empty: "░░░░" });
    expect(gauge(140, 4)).toEqual({ filled: "████", empty: "" });
  });

  it("names a fallback agent, the reason, and retries in their own column", () => {
    const v = view();
    const a = v.stages[0]!;
    const changed: StatusView = {
      ...v,
      stages: [
        { ...a, state: "blocked", reason: "killed by user", retries: 2, lastAgent: "codex" },
      ],
    };
    expect(stageRows(changed)[0]).toMatchObject({
      agent: "codex (for claude)",
      retries: 2,
      detail: "killed by user",
    });
  });

  it("hints the stage keys that apply to the selected stage's state", () => {
    const v = view();
    const at = (state: StageState) => ({ ...v.stages[0]!, state });
    expect(stageKeys(at("running"), true)).toEqual(["a attach"]);
    expect(stageKeys(at("awaiting_verification"), false)).toEqual(["v verify"]);
    expect(stageKeys(at("completed"), false)).toEqual(["m merge"]);
    expect(stageKeys(at("blocked"), false)).toEqual(["m merge", "r resume"]);
    expect(stageKeys(at("parked"), false)).toEqual(["r resume"]);
    expect(stageKeys(at("merged"), false)).toEqual([]);
  });
});

describe("flux tui: header and sessions", () => {
  it("says the progress, the flow mode with what it holds back, and the daemon", () => {
    const v = view({ a: "running", b: "merged" });
    const running = header(v, { up: true, pid: 42 });
    expect(running).toMatchObject({
      title: "Test plan",
      progress: 33,
      done: "1/3 done",
      flow: "running",
      flowNote: "",
      daemon: "daemon up (pid 42)",
      counts: "1 waiting · 1 running · 1 merged",
    });
    const paused = header({ ...v, flow: "paused" }, { up: false });
    expect(paused.flowNote).toBe("no session starts until `flux daemon resume`");
    expect(paused.daemon).toBe("daemon down");
  });

  it("words a session: status, agent, purpose, context, and how long ago", () => {
    const v = view();
    const live = v.sessions.find((s) => s.id === "ses_a1")!;
    const created = Date.parse(live.createdAt);
    expect(sessionLine(live, 90, created + 5_000)).toBe(
      "ses_a1 · running · claude · start · context 80% · started 5s ago",
    );
    const ended = v.sessions.find((s) => s.id === "ses_b1")!;
    expect(sessionLine(ended, 90, Date.parse(ended.endedAt!) + 600_000)).toBe(
      "ses_b1 · exited · claude · start · context 45% · ended 10m ago",
    );
  });

  it("lists a gate's evidence for the approve dialog", () => {
    expect(
      evidenceLines({
        stageId: "api",
        commit: "0123456789abcdef",
        passed: false,
        checks: [
          { command: "npm test", passed: false, durationMs: 1500 },
          { command: "npm run lint", passed: false, skipped: true, durationMs: 0 },
        ],
        commits: [{ sha: "0123456789abcdef", subject: "add the api" }],
        diffStat: { files: [{ path: "api.ts" }], insertions: 10, deletions: 2 },
      }),
    ).toEqual([
      "api at 01234567: acceptance FAILED",
      "  ✗ npm test (1.5s)",
      "  – npm run lint (0.0s)",
      "Commits: 1",
      "  01234567 add the api",
      "Changes: 1 file, +10 −2",
    ]);
  });
});

describe("flux tui: layout and text", () => {
  it("fills the height exactly, giving the log pane what the stages leave, at least five rows", () => {
    for (const [height, stages, sessions, log] of [
      [39, 3, 1, true],
      [39, 40, 5, true],
      [12, 40, 0, true],
      [39, 3, 2, false],
      [5, 3, 1, true],
    ] as const) {
      const l = layout(height, stages, sessions, log);
      const used = FIXED_ROWS + l.stages + l.sessions + (l.log > 0 ? l.log + 1 : 0) + l.filler;
      expect(used === height || height < FIXED_ROWS + l.sessions).toBe(true);
    }
    expect(layout(39, 3, 1, true)).toEqual({ stages: 3, sessions: 1, log: 26, filler: 0 });
    expect(layout(30, 40, 5, true)).toEqual({ stages: 13, sessions: 3, log: 5, filler: 0 });
    expect(layout(39, 3, 0, false)).toEqual({ stages: 3, sessions: 1, log: 0, filler: 27 });
  });

  it("keeps the selection in range and in sight", () => {
    expect(moveSelection(0, -1, 3)).toBe(0);
    expect(moveSelection(2, 5, 3)).toBe(2);
    expect(moveSelection(0, 1, 0)).toBe(0);
    expect(scrollTop(0, 0, 5, 20)).toBe(0);
    expect(scrollTop(7, 0, 5, 20)).toBe(3);
    expect(scrollTop(4, 3, 5, 20)).toBe(3);
    expect(scrollTop(2, 3, 5, 20)).toBe(2);
    expect(scrollTop(19, 18, 5, 20)).toBe(15);
    expect(scrollTop(1, 4, 5, 3)).toBe(0);
    expect(reselect(["a", "b", "c"], "c", 0)).toBe(2);
    expect(reselect(["a", "b"], "gone", 5)).toBe(1);
  });

  it("fits text to columns and wraps messages at spaces", () => {
    expect(fit("abc", 5)).toBe("abc  ");
    expect(fit("abcdef", 4)).toBe("abc…");
    expect(titleRow("Stages (3)", 20)).toBe("── Stages (3) ──────");
    expect(messageRows("error[X]: it failed\n  hint: do this", 40, 2)).toEqual([
      "error[X]: it failed",
      "  hint: do this",
    ]);
    expect(messageRows("one two three four five", 9, 2)).toEqual(["one two", "three…"]);
    expect(messageRows("abcdefghij", 4, 3)).toEqual(["abcd", "efgh", "ij"]);
  });

  it("makes an agent's output safe for the pane", () => {
    expect(paneText("a\tb\rc\u0007", true)).toBe("a    bc");
    expect(paneText("\u001b[31mred\u001b[39m", true)).toBe("\u001b[31mred\u001b[39m");
    expect(paneText("\u001b[31mred\u001b[39m", false)).toBe("red");
  });
});

describe("flux tui: keys", () => {
  it("maps the dashboard's keys to commands", () => {
    const normal = (input: string, flags?: Partial<KeyPress>) =>
      keyCommand("normal", key(input, flags), 10);
    expect(normal("j")).toEqual({ kind: "move", by: 1 });
    expect(normal("", { upArrow: true })).toEqual({ kind: "move", by: -1 });
    expect(normal("", { pageDown: true })).toEqual({ kind: "move", by: 10 });
    expect(normal("G")).toEqual({ kind: "moveTo", to: "last" });
    expect(normal("p")).toEqual({ kind: "flow", mode: "paused" });
    expect(normal("d")).toEqual({ kind: "flow", mode: "draining" });
    expect(normal("u")).toEqual({ kind: "flow", mode: "running" });
    expect(normal("v")).toEqual({ kind: "stage", action: "verify" });
    expect(normal("a")).toEqual({ kind: "stage", action: "attach" });
    expect(normal("m")).toEqual({ kind: "stage", action: "merge" });
    expect(normal("r")).toEqual({ kind: "stage", action: "resume" });
    expect(normal("l")).toEqual({ kind: "log" });
    expect(normal("?")).toEqual({ kind: "help" });
    expect(normal("q")).toEqual({ kind: "quit" });
    expect(normal("c", { ctrl: true })).toEqual({ kind: "quit" });
    expect(normal("x")).toBeUndefined();
    expect(normal("p", { ctrl: true })).toBeUndefined();
  });

  it("asks only y or n while a question is open, and only back or quit in the help", () => {
    expect(keyCommand("confirm", key("y"), 1)).toEqual({ kind: "answer", yes: true });
    expect(keyCommand("confirm", key("n"), 1)).toEqual({ kind: "answer", yes: false });
    expect(keyCommand("confirm", key("", { escape: true }), 1)).toEqual({
      kind: "answer",
      yes: false,
    });
    expect(keyCommand("confirm", key("p"), 1)).toBeUndefined();
    expect(keyCommand("help", key("?"), 1)).toEqual({ kind: "back" });
    expect(keyCommand("help", key("q"), 1)).toEqual({ kind: "quit" });
    expect(keyCommand("help", key("p"), 1)).toBeUndefined();
  });

  it("splits keys that arrive together into presses", () => {
    expect(keyPresses(key("jjv")).map((k) => k.input)).toEqual(["j", "j", "v"]);
    expect(keyPresses(key("c", { ctrl: true }))).toHaveLength(1);
    expect(keyPresses(key("", { upArrow: true }))).toHaveLength(1);
  });
});
