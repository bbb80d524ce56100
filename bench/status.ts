/**
 * bench/status: the median wall time of `flux status` on a generated 1,000-stage plan, and its
 * ratio to `node -e ""` measured in the same run (target: under 3×).
 * Run: npm run bench:status   (needs `npm run build` first)
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { interleaved, median, timeRun } from "./lib.ts";

const STAGES = Number(process.env.BENCH_STAGES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const TARGET = 3;
const flux = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/flux.js");

function planText(n: number): string {
  const lines = [
    "# Generated benchmark plan",
    "",
    "<!-- FLUX METADATA -->",
    "",
    "```yaml",
    "flux:",
    "  version: 1",
    "  stages:",
  ];
  for (let i = 0; i < n; i++) {
    // A layered DAG: each stage depends on up to two stages of the previous layer of 10.
    const deps =
      i < 10
        ? []
        : [i - 10, i - 10 - ((i % 7) + 1)].filter(
            (d) => d >= 0 && Math.floor(d / 10) === Math.floor(i / 10) - 1,
          );
    lines.push(
      `    - id: stage-${i}`,
      `      name: "Stage ${i}"`,
      `      dependencies: [${deps.map((d) => `stage-${d}`).join(", ")}]`,
      `      acceptance: ["npm test"]`,
    );
  }
  lines.push("```", "", "<!-- END FLUX METADATA -->", "");
  return lines.join("\n");
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flux-bench-status-"));
try {
  const env = {
    ...process.env,
    NO_COLOR: "1",
    GIT_AUTHOR_NAME: "b",
    GIT_AUTHOR_EMAIL: "b@b",
    GIT_COMMITTER_NAME: "b",
    GIT_COMMITTER_EMAIL: "b@b",
  };
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir });
  execFileSync("git", ["commit", "-q", "--allow-empty", "-m", "init"], { cwd: dir, env });
  fs.mkdirSync(path.join(dir, "doc/plans"), { recursive: true });
  fs.writeFileSync(path.join(dir, "doc/plans/PLAN-bench.md"), planText(STAGES));
  const initMs = timeRun(process.execPath, [flux, "init", "doc/plans/PLAN-bench.md"], dir, env);
  // Warm the file cache once for both.
  timeRun(process.execPath, [flux, "status"], dir, env);
  timeRun(process.execPath, ["-e", ""], dir, env);
  const { a: status, b: bare } = interleaved(
    RUNS,
    () => timeRun(process.execPath, [flux, "status"], dir, env),
    () => timeRun(process.execPath, ["-e", ""], dir, env),
  );
  const s = median(status);
  const n = median(bare);
  const ratio = s / n;
  console.log(`bench/status: ${STAGES} stages, ${RUNS} runs each (node ${process.version})`);
  console.log(`  flux init            ${initMs.toFixed(0)} ms (once)`);
  console.log(`  flux status median   ${s.toFixed(1)} ms`);
  console.log(`  node -e "" median    ${n.toFixed(1)} ms`);
  console.log(
    `  ratio                ${ratio.toFixed(2)}× (target < ${TARGET}×: ${ratio < TARGET ? "met" : "MISSED"})`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
