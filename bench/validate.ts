/**
 * bench/validate: `flux init` on generated 10,000-stage plans of each shape that once broke
 * validation (deep chains, a big cycle, a shared glob, unknown names, brace globs, a huge id,
 * many unknown keys), with wall time and peak RSS beside `node -e ""` measured in the same run.
 * Targets: under 2 s and 500 MB a shape, for "validate": a node process that loads the built
 * plan module and parses the file, which is what `flux init` does before it touches the store.
 * "flux init" is the whole command: a plan with errors stops after validation, a valid one is
 * stored in .work/ too (the store's cost, not validation's).
 * Run: npm run bench:validate   (BENCH_STAGES, BENCH_RUNS to change the size and repeats)
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SHAPES } from "../test/core/plan/shapes.ts";
import { median } from "./lib.ts";

const STAGES = Number(process.env.BENCH_STAGES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGET_MS = 2_000;
const TARGET_MB = 500;
const here = path.dirname(fileURLToPath(import.meta.url));
const flux = path.resolve(here, "../bin/flux.js");
// What `flux init` runs before it touches the store, in a process of its own.
const planModule = path.resolve(here, "../dist/core/plan/index.js");
const validateScript = `const fs = await import("node:fs"); const { parsePlan } = await import(${JSON.stringify(planModule)}); parsePlan(fs.readFileSync(process.argv[1], "utf8"), "plan.md");`;

interface Sample {
  ms: number;
  mb: number;
  exit: number | null;
}

/** One run under GNU time: wall clock from here, peak RSS from its %M (kilobytes). */
function measure(args: string[], cwd: string, env: NodeJS.ProcessEnv): Sample {
  const start = process.hrtime.bigint();
  const result = spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, ...args], {
    cwd,
    env,
    stdio: ["ignore", "ignore", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const lines = result.stderr.toString().trim().split("\n");
  const kb = Number(lines[lines.length - 1]);
  if (!Number.isFinite(kb)) throw new Error(`no peak RSS from /usr/bin/time: ${lines.join("\n")}`);
  return { ms, mb: kb / 1024, exit: result.status };
}

function summary(samples: Sample[]): { ms: number; mb: number } {
  return { ms: median(samples.map((s) => s.ms)), mb: Math.max(...samples.map((s) => s.mb)) };
}

const env = {
  ...process.env,
  NO_COLOR: "1",
  GIT_AUTHOR_NAME: "b",
  GIT_AUTHOR_EMAIL: "b@b",
  GIT_COMMITTER_NAME: "b",
  GIT_COMMITTER_EMAIL: "b@b",
};
const cells = ({ ms, mb }: { ms: number; mb: number }, base: number): string =>
  `${`${ms.toFixed(0)} ms`.padStart(9)} ${`${(ms / base).toFixed(1)}×`.padStart(6)} ${`${mb.toFixed(0)} MB`.padStart(8)}`;
const head = (what: string): string =>
  `${what.padStart(9)} ${"ratio".padStart(6)} ${"peak RSS".padStart(8)}`;

const root = fs.mkdtempSync(path.join(os.tmpdir(), "flux-bench-validate-"));
try {
  const bare = summary(Array.from({ length: RUNS }, () => measure(["-e", ""], root, env)));
  console.log(
    `bench/validate: ${STAGES} stages a shape, ${RUNS} runs each (node ${process.version})`,
  );
  console.log(`  ${'node -e ""'.padEnd(24)} ${cells(bare, bare.ms)}`);
  console.log(
    `  ${"shape".padEnd(24)} ${head("validate")} target ${"exit".padStart(4)} ${head("flux init")}`,
  );
  let missed = 0;
  for (const [i, shape] of SHAPES.entries()) {
    const dir = path.join(root, `repo-${i}`);
    fs.mkdirSync(path.join(dir, "doc/plans"), { recursive: true });
    execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir });
    execFileSync("git", ["commit", "-q", "--allow-empty", "-m", "init"], { cwd: dir, env });
    const file = path.join(dir, "doc/plans/PLAN-bench.md");
    fs.writeFileSync(file, shape.plan(STAGES));
    const validate = summary(
      Array.from({ length: RUNS }, () =>
        measure(["--input-type=module", "-e", validateScript, file], dir, env),
      ),
    );
    const samples: Sample[] = [];
    for (let r = 0; r < RUNS; r++) {
      // A valid plan is stored by the first run; start each run from no .work/ alike.
      fs.rmSync(path.join(dir, ".work"), { recursive: true, force: true });
      samples.push(measure([flux, "init", "doc/plans/PLAN-bench.md"], dir, env));
    }
    const met = validate.ms < TARGET_MS && validate.mb < TARGET_MB;
    if (!met) missed++;
    console.log(
      `  ${shape.name.padEnd(24)} ${cells(validate, bare.ms)} ${(met ? "met" : "MISSED").padEnd(6)} ${String(samples[0]?.exit).padStart(4)} ${cells(summary(samples), bare.ms)}`,
    );
  }
  console.log(
    `  validate targets (under ${TARGET_MS} ms and ${TARGET_MB} MB a shape): ${missed === 0 ? "all met" : `${missed} MISSED`}`,
  );
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
