/**
 * `flux handoff` as a user and an agent run it: `create` inside a session of a `command` agent
 * against the real daemon (a refused document, then a good one; the fresh session's signal
 * embeds it), its usage errors, and `list` / `show` reading the store without a daemon.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Handoff } from "../../src/core/handoff/types.ts";
import { insertHandoff } from "../../src/store/handoffs.ts";
import { Store } from "../../src/store/store.ts";
import { engineRepo } from "../kit/engine-repo.ts";
import { fluxRepo } from "../kit/flux-repo.ts";

/**
 * The first session commits half the work, offers a handoff without most sections (refused),
 * then a good one, and ends; the continuation keeps its signal and finishes the stage.
 */
const AGENT = `if [ ! -f "$SCRATCH/first" ]; then
  touch "$SCRATCH/first"
  echo half > half.txt && git add half.txt && git commit -q -m "half of it"
  code=0
  "$FLUX_BIN" handoff create --stdin > "$SCRATCH/bad.out" 2> "$SCRATCH/bad.err" <<'EOF' || code=$?
## Summary
Half done.
EOF
  echo $code > "$SCRATCH/bad.code"
  code=0
  "$FLUX_BIN" handoff create --stdin > "$SCRATCH/create.out" 2> "$SCRATCH/create.err" <<'EOF' || code=$?
# Handoff

## Summary
Half done: half.txt is committed.

## Completed
- half.txt

## Remaining
- Write ok.txt beside \`half.txt:1\`

## Decisions
- Keep half.txt as it is: the acceptance does not look at it.

## Open questions
None.
EOF
  echo $code > "$SCRATCH/create.code"
  exit 0
fi
cp "$1" "$SCRATCH/signal-2.md"
echo ok > ok.txt && git add ok.txt && git commit -q -m ok && "$FLUX_BIN" stage complete`;

describe("flux handoff create", () => {
  it("inside a session: refuses what it cannot use, stores a good one, a fresh session continues", async () => {
    await using repo = await engineRepo({
      agents: { handoff: AGENT },
      stagesYaml: `    - id: h1\n      command: "sh agents/handoff.sh {signal}"\n      acceptance: ["test -f ok.txt"]\n`,
    });
    const run = repo.spawn(["run"]);
    const exit = await run.exit;
    const scratch = (name: string) => fs.readFileSync(path.join(repo.scratch, name), "utf8");
    expect(exit, run.stdout()).toBe(0);

    expect(scratch("bad.code").trim()).toBe("2");
    expect(scratch("bad.err")).toContain(
      "error[HANDOFF_INVALID]: handoff refused: missing sections: ## Completed, ## Remaining, ## Decisions, ## Open questions",
    );
    expect(scratch("bad.err")).toContain("    ## Open questions");

    expect(scratch("create.code").trim()).toBe("0");
    expect(scratch("create.out")).toBe(
      "handoff 001 stored for h1: .work/handoffs/h1-handoff-001.md\nThis session ends now; a fresh session continues from the handoff. Stop here: do not start new work.\n",
    );
    const file = fs.readFileSync(path.join(repo.dir, ".work/handoffs/h1-handoff-001.md"), "utf8");
    expect(file).toContain("# Handoff 001: h1");
    expect(file).toContain("- Write ok.txt beside `half.txt:1`");
    expect(file).toMatch(
      /Commits on the branch since its base, newest first:\n\n- [0-9a-f]+ half of it/,
    );

    expect(repo.sessions("h1").map((s) => s.purpose)).toEqual(["start", "handoff"]);
    expect(scratch("signal-2.md")).toContain("Half done: half.txt is committed.");
    expect(repo.state("h1")).toBe("merged");

    const list = await repo.ok(["handoff", "list", "h1"]);
    expect(list.stdout).toMatch(
      /^001 {2}\S+ \S+ {2}by the agent \(manual\), ses_\w+\n {5}Half done: half\.txt is committed\.\n {5}\.work\/handoffs\/h1-handoff-001\.md\n/,
    );
    const show = await repo.ok(["handoff", "show", "h1", "--json"]);
    expect(JSON.parse(show.stdout)).toMatchObject({
      stageId: "h1",
      number: 1,
      author: "agent",
      handoff: { remaining: [{ task: "Write ok.txt beside `half.txt:1`", refs: ["half.txt:1"] }] },
    });
    await repo.ok(["validate"]);

    // A human hands off a stage with no live session: the daemon says why not.
    fs.writeFileSync(path.join(repo.scratch, "h.md"), file);
    const human = await repo.run([
      "handoff",
      "create",
      "--stage",
      "h1",
      "--file",
      path.join(repo.scratch, "h.md"),
    ]);
    expect(human.code).toBe(4);
    expect(human.stderr).toContain("error[HANDOFF_REFUSED]");
  });

  it("says what is wrong before it asks anything: the document, the stage, the file", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const neither = await repo.run(["handoff", "create", "--stage", "a"]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain(
      "error[USAGE]: flux handoff create needs the document: --file <path> or --stdin",
    );
    const both = await repo.run(["handoff", "create", "--stdin", "--file", "x.md"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("from --file or --stdin, not both");
    const noStage = await repo.run(["handoff", "create", "--file", "x.md"]);
    expect(noStage.code).toBe(2);
    expect(noStage.stderr).toContain("error[STAGE_ID_MISSING]: which stage? Outside a session");
    const noFile = await repo.run([
      "handoff",
      "create",
      "--stage",
      "a",
      "--file",
      "x.md",
      "--json",
    ]);
    expect(noFile.code).toBe(5);
    expect(JSON.parse(noFile.stdout)).toMatchObject({
      error: {
        code: "HANDOFF_UNREADABLE",
        message: "cannot read the handoff from x.md: no such file",
      },
    });
    const other = await repo.run(["handoff", "create", "--stage", "b", "--stdin"], {
      FLUX_SESSION_ID: "ses_x",
      FLUX_STAGE_ID: "a",
    });
    expect(other.code).toBe(4);
    expect(other.stderr).toContain("error[FORBIDDEN]: this session works on a, not b");
  });
});

const HANDOFF: Handoff = {
  summary: "The parser works.\nThe renderer does not yet.",
  completed: ["parser"],
  remaining: [{ task: "renderer", refs: ["src/r.ts:1"] }],
  decisions: [],
  questions: ["Which flavour of markdown?"],
};

describe("flux handoff list and show", () => {
  it("read the store without a daemon: none yet, each handoff, the latest, by number", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);

    const none = await repo.ok(["handoff", "list", "a"]);
    expect(none.stdout).toBe("a has no handoffs yet.\n");
    expect(JSON.parse((await repo.ok(["handoff", "list", "a", "--json"])).stdout)).toEqual([]);
    const nothing = await repo.run(["handoff", "show", "a"]);
    expect(nothing.code).toBe(5);
    expect(nothing.stderr).toContain("error[HANDOFF_NOT_FOUND]: a has no handoff yet");

    {
      using store = new Store(path.join(repo.dir, ".work", "flux.db"));
      const planId = store.activePlan()?.id ?? 0;
      for (const reason of ["context", "limit"] as const)
        store.write((emit) =>
          insertHandoff(store, emit, {
            planId,
            stageId: "a",
            sessionId: reason === "context" ? "ses_one" : null,
            author: reason === "context" ? "agent" : "flux",
            reason,
            handoff: { ...HANDOFF, summary: `${reason}: ${HANDOFF.summary}` },
            facts: { commits: ["abcd1234 parser"], diffStat: "", uncommittedFiles: [] },
          }),
        );
    }

    const list = await repo.ok(["handoff", "list", "a"]);
    expect(list.stdout).toMatch(
      /^001 {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}by the agent \(context\), ses_one\n {5}context: The parser works\.\n {5}\.work\/handoffs\/a-handoff-001\.md\n002 {2}\S+ \S+ {2}by Flux \(limit\)\n {5}limit: The parser works\.\n/,
    );
    const latest = await repo.ok(["handoff", "show", "a"]);
    expect(latest.stdout).toMatch(/^# Handoff 002: a\n\nWritten by Flux on /);
    expect(latest.stdout).toContain("## Open questions\n\n- Which flavour of markdown?\n");
    expect(latest.stdout).toContain("- abcd1234 parser\n");
    const first = await repo.ok(["handoff", "show", "a", "001", "--json"]);
    expect(JSON.parse(first.stdout)).toMatchObject({ number: 1, sessionId: "ses_one" });

    const missing = await repo.run(["handoff", "show", "a", "3"]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain("error[HANDOFF_NOT_FOUND]: a has no handoff 3");
    expect(missing.stderr).toContain("its handoffs: 1, 2");
    const bad = await repo.run(["handoff", "show", "a", "two"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error[INVALID_ARGUMENT]: "two" is not a handoff number');
    const unknown = await repo.run(["handoff", "list", "nosuch"]);
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toContain('error[STAGE_NOT_FOUND]: no stage "nosuch"');
    expect(unknown.stderr).toContain("stages: a, b, c, d");
  });
});
