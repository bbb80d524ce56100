/**
 * `flux status` loads the stage and graph modules; zod alone costs ~80 ms of start-up, so their
 * runtime imports must never reach it (type-only imports are erased and do not count). The same
 * holds for `flux hook`, `flux runner`, `flux stage complete` and `flux handoff create`, which
 * talk to the daemon.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const RUNTIME_IMPORT = /^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+"([^"]+)"/gm;

function runtimeModules(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [resolve(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(RUNTIME_IMPORT)) {
      if (specifier!.startsWith(".")) pending.push(resolve(dirname(file), specifier!));
      else seen.add(specifier!);
    }
  }
  return seen;
}

describe("the status path", () => {
  it.each([
    "src/core/stage/index.ts",
    "src/core/graph/index.ts",
    "src/cli/main.ts",
    "src/cli/commands/status.ts",
    // `flux status <stage-id>` and `flux logs`: read commands too.
    "src/cli/commands/stage-status.ts",
    "src/cli/commands/logs.ts",
    // Hot paths: every hook of an interactive agent, every session's runner, `stage complete`,
    // `handoff create`.
    // They reach the daemon through the client, which takes only types from the route table.
    "src/cli/client.ts",
    "src/cli/commands/hook.ts",
    "src/cli/commands/runner.ts",
    "src/cli/commands/gates.ts",
    "src/cli/commands/handoff.ts",
  ])("%s does not load zod", (entry) => {
    const modules = runtimeModules(entry);
    expect(modules.size).toBeGreaterThan(2);
    expect([...modules].filter((m) => /^(?:zod|@hono\/zod-openapi)(?:\/|$)/.test(m))).toEqual([]);
  });

  it("sees a runtime zod import where there is one", () => {
    expect(runtimeModules("src/core/stage/event.ts").has("zod")).toBe(true);
    expect(runtimeModules("src/server/api/table.ts").has("@hono/zod-openapi")).toBe(true);
  });
});
