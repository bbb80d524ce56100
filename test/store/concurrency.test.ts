/** Several processes write at once: nothing is lost in the database or the projections. */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { workPaths } from "../../src/store/paths.ts";
import { renderAll, syncProjections } from "../../src/store/projections/sync.ts";
import { Store } from "../../src/store/store.ts";
import { planOf } from "../kit/plans.ts";
import { tempDir } from "../kit/temp-repo.ts";

const WRITERS = 4;
const ROUNDS = 25;
const writer = path.resolve(import.meta.dirname, "../kit/writer.ts");
let root: string;

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", writer, ...args], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`writer exited ${code}: ${stderr}`)),
    );
  });
}

it(
  "loses no event or projection with concurrent writer processes",
  { timeout: 60_000 },
  async () => {
    root = tempDir();
    const paths = workPaths(root);
    fs.mkdirSync(paths.work);
    const ids = Array.from({ length: WRITERS }, (_, i) => `s${i}`);
    // A dependent of every writer's stage: its projection mentions their states.
    const stages = [...ids.map((id) => ({ id })), { id: "join", dependencies: ids }];
    {
      using store = new Store(paths.db);
      store.applyPlan({
        plan: planOf(stages),
        file: "plan.md",
        contentHash: "h",
        baseBranch: "main",
      });
      syncProjections(store, paths);
    }
    await Promise.all(ids.map((id) => run([root, id, String(ROUNDS)])));

    using store = new Store(paths.db);
    const plan = store.activePlan()!;
    for (const id of ids) {
      const transitions = store
        .stageEvents(plan.id, id, 1000)
        .filter((e) => e.type === "stage.transitioned");
      // waiting → ready at init, then ROUNDS block/reset pairs, none lost.
      expect(transitions).toHaveLength(1 + 2 * ROUNDS);
      expect(store.stage(plan.id, id)?.state).toBe("ready");
    }
    const seqs = store.eventsSince(0, 100_000).map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    // The files on disk are exactly what the final database renders: no older write won.
    const { files, seq } = renderAll(store, paths);
    expect(seq).toBe(store.lastSeq());
    for (const [file, content] of files) expect(fs.readFileSync(file, "utf8")).toBe(content);
  },
);
