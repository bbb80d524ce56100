import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { CONFIG_TEMPLATE, checkConfig } from "../../../src/core/config/schema.ts";
import { configFromEnv, mergeConfig } from "../../../src/core/config/resolve.ts";
import { DEFAULT_LIMITS } from "../../../src/core/limits/policy.ts";
import { setTableKeys } from "../../../src/core/config/toml-edit.ts";
import { readConfigFile } from "../../../src/store/config.ts";
import { tempDir } from "../../kit/temp-repo.ts";

describe("setTableKeys", () => {
  it("rewrites only the [plan] table, keeping keys, tables and comments", () => {
    const text = `# mine\n[run]\nmax_parallel = 2 # two\n\n[plan] # the plan\nfile = "old.md" # keep me\nowner = "ann"\n# note\n\n[ui]\ncolor = "never"\n`;
    const out = setTableKeys(text, "plan", { file: "doc/plans/PLAN-new.md" });
    expect(out).toBe(
      text.replace('file = "old.md" # keep me', 'file = "doc/plans/PLAN-new.md" # keep me'),
    );
    expect(parse(out)).toEqual({
      run: { max_parallel: 2 },
      plan: { file: "doc/plans/PLAN-new.md", owner: "ann" },
      ui: { color: "never" },
    });
  });

  it("adds a missing key after the table's last key, and a missing table at the end", () => {
    expect(setTableKeys(`[plan]\nowner = "ann"\n\n[ui]\n`, "plan", { file: "p.md" })).toBe(
      `[plan]\nowner = "ann"\nfile = "p.md"\n\n[ui]\n`,
    );
    expect(setTableKeys(`[ui]\ncolor = "auto"\n`, "plan", { file: "p.md" })).toBe(
      `[ui]\ncolor = "auto"\n\n[plan]\nfile = "p.md"\n`,
    );
  });

  it("escapes values so they stay valid TOML", () => {
    const out = setTableKeys(CONFIG_TEMPLATE, "plan", { file: 'doc/pl"ans\\x.md' });
    expect((parse(out) as { plan: { file: string } }).plan.file).toBe('doc/pl"ans\\x.md');
  });
});

describe("config layers", () => {
  it("later layers win key by key; the environment is validated", () => {
    const merged = mergeConfig([
      { run: { max_parallel: 2 }, ui: { color: "never" } },
      { run: { max_parallel: 3 } },
      configFromEnv({ FLUX_MAX_PARALLEL: "7", FLUX_COLOR: "bogus" }),
    ]);
    expect(merged).toMatchObject({
      planFile: undefined,
      maxParallel: 7,
      color: "never",
      idleTimeoutMs: 600_000,
    });
    expect(
      mergeConfig([configFromEnv({ FLUX_IDLE_TIMEOUT: "0s", FLUX_SESSION_BACKEND: "process" })]),
    ).toMatchObject({ idleTimeoutMs: 0, backend: "process" });
    expect(configFromEnv({ FLUX_MAX_PARALLEL: "0" })).toEqual({});
    expect(mergeConfig([]).stopReminders).toBe(3);
    expect(mergeConfig([{ sessions: { stop_reminders: 0 } }]).stopReminders).toBe(0);
  });
});

describe("checkConfig", () => {
  it("accepts the template and reports unknown tables, keys and bad values by path", () => {
    expect(
      checkConfig(parse(CONFIG_TEMPLATE.replace('file = ""', 'file = "p.md"'))).issues,
    ).toEqual([]);
    const { issues } = checkConfig({
      plan: { file: "" },
      run: { max_parallel: 1.5, extra: 1 },
      tui: {},
      ui: "x",
      sessions: { stop_reminders: -1 },
    });
    expect(issues.map((i) => i.path)).toEqual([
      "plan.file",
      "run.max_parallel",
      "run.extra",
      "tui",
      "ui",
      "sessions.stop_reminders",
    ]);
    expect(issues[5]?.message).toBe("must be a whole number");
    expect(issues[1]?.message).toBe("must be a whole number above 0");
    expect(issues[3]?.message).toMatch(/unknown table; Flux reads \[plan\], \[run\], \[ui\]/);
  });
});

describe("[context]", () => {
  it("takes whole percents from 1 to 100, a window above 0, steps and a duration", () => {
    expect(
      checkConfig({
        context: {
          window: 1_000_000,
          warn: 1,
          handoff: 75,
          hard: 100,
          handoff_steps: 3,
          handoff_timeout: "90s",
        },
      }).issues,
    ).toEqual([]);
    const { issues } = checkConfig({
      context: {
        window: 0,
        warn: 0,
        handoff: 101,
        hard: 72.5,
        handoff_steps: 0,
        handoff_timeout: "soon",
        handof: 80,
      },
    });
    expect(issues).toEqual([
      { path: "context.window", message: "must be a whole number above 0" },
      { path: "context.warn", message: "must be a whole percent from 1 to 100" },
      { path: "context.handoff", message: "must be a whole percent from 1 to 100" },
      { path: "context.hard", message: "must be a whole percent from 1 to 100" },
      { path: "context.handoff_steps", message: "must be a whole number above 0" },
      {
        path: "context.handoff_timeout",
        message: 'must be a duration such as "90s", "10m", "2h"',
      },
      {
        path: "context.handof",
        message:
          "unknown key; [context] takes window, warn, handoff, hard, handoff_steps, handoff_timeout",
      },
    ]);
    expect(checkConfig({ context: { warn: "60" } }).issues[0]?.path).toBe("context.warn");
  });

  it("a value out of range in a file is CONFIG_INVALID naming the key", () => {
    const file = path.join(tempDir(), "config.toml");
    fs.writeFileSync(file, "[context]\nwarn = 60\nhard = 120\n");
    expect(() => readConfigFile(file)).toThrow(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        message: `${file}: context.hard: must be a whole percent from 1 to 100`,
      }),
    );
  });

  it("layers key by key, thresholds apart from the handoff budget", () => {
    const merged = mergeConfig([
      { context: { warn: 50, handoff: 70, handoff_steps: 4 } },
      { context: { handoff: 80, window: 300_000, handoff_timeout: "2m" } },
    ]);
    expect(merged.context).toEqual({ warn: 50, handoff: 80, window: 300_000 });
    expect(merged.handoffSteps).toBe(4);
    expect(merged.handoffTimeoutMs).toBe(120_000);
    expect(mergeConfig([])).toMatchObject({
      context: {},
      handoffSteps: 10,
      handoffTimeoutMs: 300_000,
    });
  });
});

describe("[limits]", () => {
  it("takes durations and a count, and resolves them key by key over the defaults", () => {
    expect(
      checkConfig({
        limits: { backoff: "5s", backoff_max: "2m", usage_wait: "3h", fallback_after: 3 },
      }).issues,
    ).toEqual([]);
    expect(
      checkConfig({ limits: { backoff: "soon", fallback_after: 0, backof: "1s" } }).issues,
    ).toEqual([
      { path: "limits.backoff", message: 'must be a duration such as "90s", "10m", "2h"' },
      { path: "limits.fallback_after", message: "must be a whole number above 0" },
      {
        path: "limits.backof",
        message: "unknown key; [limits] takes backoff, backoff_max, usage_wait, fallback_after",
      },
    ]);
    expect(mergeConfig([]).limits).toEqual(DEFAULT_LIMITS);
    expect(
      mergeConfig([{ limits: { backoff: "5s" } }, { limits: { usage_wait: "2h" } }]).limits,
    ).toEqual({
      ...DEFAULT_LIMITS,
      backoffMs: 5_000,
      usageWaitMs: 2 * 3600_000,
    });
  });
});
