/**
 * A separate writer process for the concurrency tests: moves one stage through `count`
 * block/reset pairs, syncing the projections after each change as the CLI does.
 * Usage: node --import tsx test/kit/writer.ts <root> <stage-id> <count>
 */
import { workPaths } from "../../src/store/paths.ts";
import { syncProjections } from "../../src/store/projections/sync.ts";
import { Store } from "../../src/store/store.ts";

const [root, stageId, countText] = process.argv.slice(2);
if (root === undefined || stageId === undefined || countText === undefined) {
  throw new Error("usage: writer.ts <root> <stage-id> <count>");
}
const paths = workPaths(root);
const store = new Store(paths.db);
const plan = store.activePlan();
if (plan === undefined) throw new Error("no active plan");
for (let i = 0; i < Number(countText); i++) {
  store.transition(plan.id, stageId, "block", {
    reason: `round ${i}`,
    actor: `writer:${process.pid}`,
  });
  syncProjections(store, paths);
  store.transition(plan.id, stageId, "reset", { actor: `writer:${process.pid}` });
  syncProjections(store, paths);
}
store.close();
