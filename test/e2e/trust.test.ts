/**
 * What Flux guarantees against an agent that oversteps (DESIGN.md §3): even with its FLUX_*
 * variables unset, a process inside a session cannot approve a gate, force a transition or
 * complete another stage — while Flux run by that agent on another repository works.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GATED, WORK } from "../kit/agents.ts";
import { daemonLog, engineRepo } from "../kit/engine-repo.ts";

const SHED = "env -u FLUX_SESSION_ID -u FLUX_SESSION_TOKEN -u FLUX_STAGE_ID";

describe("an agent that sheds its variables", () => {
  it("is refused as the human, and Flux on another repository still works for it", async () => {
    await using repo = await engineRepo({
      agents: {
        sneaky: `probe() { name=$1; shift; if "$@" > "$SCRATCH/$name.out" 2>&1; then rc=0; else rc=$?; fi; echo "rc=$rc" >> "$SCRATCH/$name.out"; }
probe verify ${SHED} "$FLUX_BIN" verify gated --yes
probe force ${SHED} "$FLUX_BIN" stage gated complete --force --reason "done, trust me"
probe complete ${SHED} "$FLUX_BIN" stage gated complete
probe skip ${SHED} -u FLUX_WORK_DIR "$FLUX_BIN" stage gated skip --reason nope
probe reinit ${SHED} -u FLUX_WORK_DIR "$FLUX_BIN" init doc/plans/PLAN-e2e.md --force
# Flux on another repository, from inside this session, is not refused.
inner="$SCRATCH/inner"
mkdir -p "$inner/doc/plans" && cd "$inner" && git init -q -b main && git commit -q --allow-empty -m init
printf '# Inner\\n\\n<!-- FLUX METADATA -->\\n\\n\`\`\`yaml\\nflux:\\n  version: 1\\n  stages:\\n    - id: x\\n\`\`\`\\n' > doc/plans/PLAN-inner.md
probe inner-init ${SHED} -u FLUX_WORK_DIR "$FLUX_BIN" init doc/plans/PLAN-inner.md
probe inner-skip ${SHED} -u FLUX_WORK_DIR "$FLUX_BIN" stage x skip --reason "inner is fine"
cd - > /dev/null
${WORK}`,
        work: WORK,
      },
      stagesYaml: `    - id: gated\n      command: "sh agents/work.sh"\n      verify: human\n      merge: manual\n    - id: sneaky\n      command: "sh agents/sneaky.sh"\n`,
    });
    await repo.ok(["run"], 4);
    const read = (name: string) => fs.readFileSync(path.join(repo.scratch, `${name}.out`), "utf8");
    for (const name of ["verify", "force", "complete", "skip", "reinit"]) {
      const text = read(name);
      expect(text, name).toContain("REFUSED_IN_SESSION");
      expect(text, name).toMatch(/rc=4\s*$/);
    }
    expect(read("inner-init")).toContain("rc=0");
    expect(read("inner-skip")).toContain("rc=0");
    // Nothing the agent tried moved the gated stage: it waits for a human.
    expect(repo.state("gated")).toBe("awaiting_verification");
    expect(repo.state("sneaky")).toBe("merged");
  });

  it("a human's forced edge goes through the running daemon, recorded with who forced it", async () => {
    await using repo = await engineRepo({
      agents: { gated: GATED },
      stagesYaml: `    - id: long\n      command: "sh agents/gated.sh"\n    - id: later\n      dependencies: [long]\n      command: "sh agents/gated.sh"\n`,
    });
    repo.gate("long");
    const run = repo.spawn(["run"]);
    await run.waitFor(/long\s+ready → running/);
    const forced = await repo.ok(["stage", "later", "skip", "--reason", "not needed"], 0, {
      USER: "ada",
    });
    expect(forced.stdout).toContain("later: waiting → skipped (not needed)");
    expect(daemonLog(repo.dir)).toContain("wake: skip by human:ada");
    const [event] = repo.db<{ data: string }>(
      "SELECT data FROM events WHERE stage_id = 'later' AND type = 'stage.transitioned' ORDER BY seq DESC LIMIT 1",
    );
    expect(JSON.parse(event?.data ?? "{}")).toMatchObject({ to: "skipped", actor: "human:ada" });
    await repo.open("long");
    expect(await run.exit).toBe(0);
  });
});
