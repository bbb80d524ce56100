/**
 * A separate process for the cross-process merge test: merges `<stage-id> <commit>` pairs into
 * the base, one after another, and prints each result as a JSON line.
 * Usage: merge-writer.ts <root> <base-branch> (<stage-id> <commit>)...
 */
import { mergeStage } from "../../../src/adapters/git/index.ts";

const [root = "", baseBranch = "", ...pairs] = process.argv.slice(2);
for (let i = 0; i + 1 < pairs.length; i += 2) {
  const stageId = pairs[i] ?? "";
  const commit = pairs[i + 1] ?? "";
  const result = await mergeStage({
    root,
    baseBranch,
    commit,
    stageId,
    message: `Merge ${stageId}`,
  });
  process.stdout.write(`${JSON.stringify({ stageId, ...result })}\n`);
}
