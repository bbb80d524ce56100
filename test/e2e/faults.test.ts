/**
 * Crash-proofing under fault injection (server/faults.ts): a 20-stage plan of command agents,
 * some slow, run while the daemon is SIGKILLed at 20 points and runners and agents at 20 more,
 * each drawn from a seed over the event sequence (right after event N: a failure reproduces on
 * a loaded machine). Every run must end with all stages merged, at most one live agent per
 * stage at any time, no lost commit, no merge made twice and no stage stuck. Then the same for
 * a reboot, the tmux server killed with the daemon, on the plan's first ten stages.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stateDirFor } from "../../src/store/state-dir.ts";
import { TEST_STATE_HOME } from "../kit/cli.ts";
import { engineRepo } from "../kit/engine-repo.ts";
import type { EngineRepo } from "../kit/engine-repo.ts";

const STAGES = Array.from({ length: 20 }, (_, i) => `s${String(i + 1).padStart(2, "0")}`);

/**
 * The agent: takes its stage's lock (a second live agent of the stage is an overlap, recorded),
 * writes its stage's file, sometimes takes a while, commits and asks to complete. Children get
 * no copy of the lock's descriptor, so only the agent itself holds it while it lives.
 */
const AGENT = `stage="$1"
exec 9>"$SCRATCH/lock-$stage"
if ! flock -n 9; then echo "$stage $$" >> "$SCRATCH/overlaps"; fi
echo "$stage $$" >> "$SCRATCH/starts"
mkdir -p out
if [ -f "out/$stage.txt" ] && git log --oneline -1 -- "out/$stage.txt" 9>&- | grep -q .; then :; else
  echo "$stage" > "out/$stage.txt"
  case "$stage" in s0[2468]|s1[37]) sleep 1 9>&- ;; esac
  git add "out/$stage.txt" 9>&-
  git commit -q -m "$stage: its file" 9>&-
fi
"$FLUX_BIN" stage complete 9>&-
`;

/**
 * Every fifth stage starts a chain: s06 waits on s01, s11 on s06… (four levels of five). Late
 * in a run one chain may be all that runs, and every runner or agent kill still pending lands
 * on it: the retries are set above the 40 kills, so what is tested is that no kill loses or
 * doubles work, not the retry budget.
 */
function stagesYaml(ids: readonly string[] = STAGES): string {
  return ids
    .map((id, i) => {
      const dep = i >= 5 ? `\n      dependencies: [${ids[i - 5]}]` : "";
      return `    - id: ${id}\n      command: "sh agents/work.sh ${id}"\n      max_retries: 40${dep}\n      acceptance: ["test -f out/${id}.txt"]\n`;
    })
    .join("");
}

/** A small seeded generator (mulberry32): the same kill points on every machine. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `count` distinct event numbers in [from, to), drawn from `random`, ascending. */
function points(random: () => number, count: number, from: number, to: number): number[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(from + Math.floor(random() * (to - from)));
  return [...picked].sort((a, b) => a - b);
}

/** Runs `flux run` until every stage is merged (each run may end when its daemon is killed). */
async function runToTheEnd(
  repo: EngineRepo,
  env: Record<string, string>,
  rounds: number,
  ids: readonly string[] = STAGES,
) {
  const outputs: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const run = await repo.run(["run"], env, 180_000).catch((error: unknown) => {
      const states = ids.map((id) => `${id}: ${repo.state(id)}`).join(", ");
      const log = fs.readFileSync(path.join(repo.dir, ".work", "logs", "daemon.log"), "utf8");
      const stuck = ids.filter((id) => repo.state(id) === "running");
      const detail = stuck.map((id) =>
        JSON.stringify({
          id,
          sessions: repo.db(
            "SELECT id, status, ended_at, exit_code, exit_signal, failure FROM sessions WHERE stage_id = ?",
            id,
          ),
          events: repo.db(
            "SELECT seq, type, data FROM events WHERE stage_id = ? ORDER BY seq DESC LIMIT 8",
            id,
          ),
          tmux: repo.tmux("list-sessions", "-F", "#{session_name} #{pane_dead} #{pane_pid}"),
        }),
      );
      throw new Error(
        `${String(error)}\nstates: ${states}\n${detail.join("\n")}\ndaemon log:\n${log.slice(-3000)}`,
      );
    });
    outputs.push(run.stdout + run.stderr);
    if (ids.every((id) => repo.state(id) === "merged")) return { rounds: round + 1, outputs };
  }
  const states = ids.map((id) => `${id}: ${repo.state(id)}`).join(", ");
  throw new Error(`not every stage merged after ${rounds} runs (${states})\n${outputs.join("\n")}`);
}

/** The invariants every run must keep, whatever was killed. */
function expectIntact(repo: EngineRepo, ids: readonly string[] = STAGES): void {
  // Every stage merged, its file on the base: no lost commit.
  for (const id of ids) {
    expect(repo.state(id), id).toBe("merged");
    expect(repo.git("show", `main:out/${id}.txt`), id).toBe(`${id}\n`);
  }
  // No merge made twice: one `merged` edge per stage, one commit bringing its file to main.
  const merges = repo.db<{ stage_id: string; n: number }>(
    "SELECT stage_id, count(*) AS n FROM events WHERE type = 'stage.transitioned' AND json_extract(data, '$.to') = 'merged' GROUP BY stage_id",
  );
  expect(merges.filter((m) => m.n !== 1)).toEqual([]);
  expect(merges.length).toBe(ids.length);
  for (const id of ids) {
    const brought = repo
      .git("log", "--first-parent", "--format=%H", "main", "--", `out/${id}.txt`)
      .split("\n")
      .filter((l) => l !== "");
    expect(brought.length, id).toBe(1);
  }
  // At most one live agent per stage at any time: no agent found its stage's lock taken…
  const overlaps = path.join(repo.scratch, "overlaps");
  expect(fs.existsSync(overlaps) ? fs.readFileSync(overlaps, "utf8") : "").toBe("");
  // …and in the store no session of a stage began before the one before it ended.
  const sessions = repo.db<{ stage_id: string; created_at: string; ended_at: string | null }>(
    "SELECT stage_id, created_at, ended_at FROM sessions ORDER BY stage_id, created_at, rowid",
  );
  for (let i = 1; i < sessions.length; i++) {
    const [prev, next] = [sessions[i - 1], sessions[i]];
    if (prev === undefined || next === undefined || prev.stage_id !== next.stage_id) continue;
    expect(prev.ended_at, `${next.stage_id}: a session started while another was open`).not.toBe(
      null,
    );
    expect(Date.parse(prev.ended_at ?? "") <= Date.parse(next.created_at), next.stage_id).toBe(
      true,
    );
  }
  // No stage left in a transient state, no task in flight, no session open.
  expect(repo.db("SELECT * FROM stage_tasks")).toEqual([]);
  expect(repo.db("SELECT id FROM sessions WHERE ended_at IS NULL")).toEqual([]);
}

describe("crash-proof under fault injection", () => {
  it(
    "survives the daemon SIGKILLed at 20 points and runners and agents at 20 more",
    { timeout: 600_000 },
    async () => {
      await using repo = await engineRepo({
        agents: { work: AGENT },
        stagesYaml: stagesYaml(),
        env: { FLUX_MAX_PARALLEL: "5" },
      });
      const random = seeded(20261205);
      const faults = [
        ...points(random, 20, 8, 260).map((n) => `daemon@${n}`),
        ...points(random, 10, 8, 260).map((n) => `runner@${n}`),
        ...points(random, 10, 8, 260).map((n) => `agent@${n}`),
      ];
      // In the state directory: every daemon reads it, however it was started.
      const stateDir = stateDirFor(repo.dir, { XDG_STATE_HOME: TEST_STATE_HOME });
      fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(path.join(stateDir, "faults"), faults.join(","));
      const { rounds } = await runToTheEnd(repo, {}, 40);
      expectIntact(repo);
      const log = fs.readFileSync(path.join(repo.dir, ".work", "logs", "daemon.log"), "utf8");
      const fired = log.match(/fault injection: SIGKILL to the daemon/g)?.length ?? 0;
      // Enough of the drawn points fell inside the run to count.
      const faultLines = log
        .split("\n")
        .filter((l) => /fault|listening|stopped/.test(l))
        .join("\n");
      expect(fired, `rounds: ${rounds}\n${faultLines}`).toBeGreaterThanOrEqual(15);
      // And enough runners and agents were killed under a live session.
      const killed = log.match(/fault injection: SIGKILL to the (runner|agent) of/g)?.length ?? 0;
      expect(killed, `rounds: ${rounds}\n${faultLines}`).toBeGreaterThanOrEqual(16);
    },
  );

  it(
    "survives a reboot: the tmux server killed with the daemon, .work intact",
    { timeout: 300_000 },
    async () => {
      // Two levels of five: a reboot is one kill, the 20-stage run above covers the many.
      const ids = STAGES.slice(0, 10);
      await using repo = await engineRepo({
        agents: { work: AGENT },
        stagesYaml: stagesYaml(ids),
        env: { FLUX_MAX_PARALLEL: "5" },
      });
      const run = repo.spawn(["run"]);
      await run.waitFor(/s0\d\s+running → checking/);
      const daemon = JSON.parse(repo.read(".work/daemon.json")) as { pid: number };
      process.kill(daemon.pid, "SIGKILL");
      try {
        execFileSync("tmux", ["-L", repo.socket, "kill-server"], { stdio: "ignore" });
      } catch {
        // Already gone.
      }
      run.child.kill("SIGKILL");
      await run.exit;
      await runToTheEnd(repo, {}, 5, ids);
      expectIntact(repo, ids);
    },
  );
});
