/** `flux stage complete`, `flux verify`, `flux merge`, `flux resume`: requests to the engine. */
import { userInfo } from "node:os";
import { createInterface } from "node:readline/promises";
import {
  ExitCode,
  FluxError,
  daemonGone,
  forbidden,
  refusedInSession,
  rejectionNeedsReason,
} from "../../core/errors.ts";
import type { ApiLine } from "../../server/api/types.ts";
import type { DaemonClient } from "../client.ts";
import { ensureDaemon } from "../client.ts";
import { openStore, refuseInsideSession, requireWorkPaths, sessionAncestor } from "../context.ts";
import type { CommandContext } from "../main.ts";
import { json, paint } from "../output.ts";

async function engineClient(ctx: CommandContext): Promise<DaemonClient> {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  return ensureDaemon(paths, ctx.env, ctx.fluxBin);
}

type CheckLine = ApiLine<"completeStage"> | ApiLine<"stageEvidence">;

function isLine<T extends CheckLine["type"]>(
  line: CheckLine,
  type: T,
): line is Extract<CheckLine, { type: T }> {
  return line.type === type;
}

/**
 * Prints acceptance progress lines as they stream; returns the final line. An error line is
 * thrown by the client as the daemon's own FluxError (code, hint, exit code).
 */
async function streamChecks<T extends "verdict" | "evidence">(
  ctx: CommandContext,
  lines: AsyncGenerator<CheckLine>,
  final: T,
): Promise<Extract<CheckLine, { type: T }>> {
  const c = ctx.output.color;
  for await (const line of lines) {
    if (line.type === "check_started") ctx.output.out(paint(c, "dim", `▶ ${line.command}`));
    else if (line.type === "check_finished") {
      const seconds = (line.durationMs / 1000).toFixed(1);
      ctx.output.out(
        line.passed
          ? paint(c, "green", `✓ passed (${seconds}s)`)
          : paint(c, "red", `✗ failed: exit ${String(line.exitCode)} (${seconds}s)`),
      );
    } else if (isLine(line, final)) return line;
  }
  throw daemonGone("answer");
}

/** Verified completion: inside a session for its own stage, or a human naming the stage. */
export async function stageComplete(
  ctx: CommandContext,
  stageId: string | undefined,
  opts: { json?: boolean },
): Promise<number> {
  const inSession = ctx.env.FLUX_SESSION_ID !== undefined && ctx.env.FLUX_SESSION_ID !== "";
  const id = stageId ?? ctx.env.FLUX_STAGE_ID;
  if (id === undefined || id === "") {
    throw new FluxError(
      "STAGE_ID_MISSING",
      "which stage? Outside a session, name it: `flux stage <id> complete`",
    );
  }
  if (inSession && ctx.env.FLUX_STAGE_ID !== undefined && id !== ctx.env.FLUX_STAGE_ID) {
    throw forbidden.otherStage(ctx.env.FLUX_STAGE_ID, id);
  }
  if (!inSession) {
    // An agent that unset its FLUX_* variables would ask with the admin credential: its
    // ancestry gives it away.
    const session = sessionAncestor(ctx.env, ctx.cwd);
    if (session !== undefined)
      throw refusedInSession(
        `\`flux stage ${id} complete\` without the session's own token`,
        session,
      );
  }
  const client = await engineClient(ctx);
  if (opts.json !== true)
    ctx.output.out(`Asking Flux to verify ${id}: it runs the acceptance on your last commit…`);
  const verdict = await streamChecks(
    ctx,
    client.stream("completeStage", { params: { id } }),
    "verdict",
  );
  if (opts.json !== true && verdict.restacked !== undefined) ctx.output.out(verdict.restacked);
  if (opts.json === true) ctx.output.out(json(verdict));
  else if (verdict.passed)
    ctx.output.out(
      paint(
        ctx.output.color,
        "green",
        `${id} passed its acceptance on ${verdict.commit.slice(0, 8)}: ${verdict.state}.`,
      ),
    );
  else {
    ctx.output.out(
      paint(ctx.output.color, "red", `${id} did not pass its acceptance (now ${verdict.state}).`),
    );
    ctx.output.out(verdict.report);
  }
  return verdict.passed ? ExitCode.ok : ExitCode.checkFailed;
}

export interface VerifyOptions {
  yes?: boolean;
  reject?: boolean;
  reason?: string;
  json?: boolean;
}

export async function verify(
  ctx: CommandContext,
  stageId: string,
  opts: VerifyOptions,
): Promise<number> {
  refuseInsideSession(ctx.env, `flux verify ${stageId}`);
  if (opts.reject === true && (opts.reason === undefined || opts.reason.trim() === "")) {
    throw rejectionNeedsReason(true);
  }
  const client = await engineClient(ctx);
  const c = ctx.output.color;
  if (opts.json !== true) ctx.output.out(`Running ${stageId}'s acceptance again…`);
  const evidence = await streamChecks(
    ctx,
    client.stream("stageEvidence", { params: { id: stageId } }),
    "evidence",
  );
  if (opts.json !== true) {
    ctx.output.out(
      `\n${paint(c, "bold", `${stageId} at ${evidence.commit.slice(0, 8)}`)}: acceptance ${evidence.passed ? paint(c, "green", "passed") : paint(c, "red", "failed")}`,
    );
    for (const check of evidence.checks)
      ctx.output.out(
        `  ${check.passed ? "✓" : check.skipped ? "–" : "✗"} ${check.command} (${(check.durationMs / 1000).toFixed(1)}s)${check.reason === undefined ? "" : `: ${check.reason}`}`,
      );
    ctx.output.out(`\nCommits:`);
    for (const commit of evidence.commits)
      ctx.output.out(`  ${commit.sha.slice(0, 8)} ${commit.subject}`);
    ctx.output.out(
      `\nChanges: ${evidence.diffStat.files.length} files, +${evidence.diffStat.insertions} −${evidence.diffStat.deletions}`,
    );
    for (const file of evidence.diffStat.files)
      ctx.output.out(`  ${file.path} (+${file.added ?? "bin"} −${file.deleted ?? "bin"})`);
  }
  let decision: "approve" | "reject";
  let reason = opts.reason;
  if (opts.reject === true) decision = "reject";
  else if (opts.yes === true) decision = "approve";
  else if (process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = (await rl.question("\nApprove? [y]es / [r]eject / [N]o decision: "))
      .trim()
      .toLowerCase();
    if (answer === "y" || answer === "yes") decision = "approve";
    else if (answer === "r" || answer === "reject") {
      reason = (await rl.question("Why (the next session gets this): ")).trim();
      decision = "reject";
    } else {
      rl.close();
      ctx.output.out("No decision: the stage stays at its gate.");
      return ExitCode.ok;
    }
    rl.close();
  } else {
    throw new FluxError(
      "DECISION_REQUIRED",
      "not a terminal: say --yes to approve or --reject --reason to reject",
    );
  }
  const reviewer = `human:${ctx.env.USER ?? userInfo().username}`;
  const params = { id: stageId };
  const result =
    decision === "approve"
      ? await client.call("approveStage", { params, body: { reviewer } })
      : await client.call("rejectStage", { params, body: { reason: reason ?? "", reviewer } });
  const triggered = decision === "approve" ? dependentsOf(ctx, stageId) : [];
  if (opts.json === true)
    ctx.output.out(json({ evidence, decision, state: result.state, triggered }));
  else {
    ctx.output.out(
      decision === "approve"
        ? `Approved: ${stageId} is ${result.state}.`
        : `Rejected: a new session works on ${stageId} with your reason.`,
    );
    if (triggered.length > 0)
      ctx.output.out(
        `Triggered ${triggered.length} dependent stage${triggered.length === 1 ? "" : "s"}: ${triggered.join(", ")} (they start once ${stageId} has merged).`,
      );
  }
  return ExitCode.ok;
}

export async function merge(
  ctx: CommandContext,
  stageId: string,
  opts: { json?: boolean; resolve?: boolean },
): Promise<number> {
  refuseInsideSession(ctx.env, `flux merge ${stageId}`);
  const client = await engineClient(ctx);
  if (opts.resolve === true) {
    const { state } = await client.call("resolveStage", { params: { id: stageId } });
    if (opts.json === true) ctx.output.out(json({ kind: "resolving", state }));
    else
      ctx.output.out(
        `${stageId}: a new session merges the base into its branch and resolves the conflict; the base is untouched until its acceptance passes. \`flux run\` follows it.`,
      );
    return ExitCode.ok;
  }
  const { outcome } = await client.call("mergeStage", { params: { id: stageId } });
  if (opts.json === true) {
    ctx.output.out(json(outcome));
  } else {
    switch (outcome.kind) {
      case "merged":
        ctx.output.out(`Merged ${stageId} as ${outcome.mergeCommit.slice(0, 8)}.`);
        break;
      case "conflict":
        ctx.output.out(
          `${stageId} conflicts with the base in ${outcome.files.join(", ")}; \`flux status\` says what happens next (a session resolving it, or what to do).`,
        );
        break;
      case "overlap":
        ctx.output.out(
          `Waiting: your uncommitted changes to ${outcome.files.join(", ")} overlap the merge. Commit or stash them, then run \`flux merge ${stageId}\` again.`,
        );
        break;
      case "rechecking":
        ctx.output.out(
          `The branch moved: ${stageId}'s acceptance runs again on ${outcome.commit.slice(0, 8)}, then it merges.`,
        );
        break;
      case "waiting":
      case "blocked":
        ctx.output.out(outcome.reason);
        break;
    }
  }
  return outcome.kind === "merged" || outcome.kind === "rechecking"
    ? ExitCode.ok
    : ExitCode.refused;
}

export async function resume(ctx: CommandContext, stageId: string): Promise<number> {
  refuseInsideSession(ctx.env, `flux resume ${stageId}`);
  const client = await engineClient(ctx);
  await client.call("resumeStage", { params: { id: stageId } });
  ctx.output.out(
    `Resumed ${stageId}: a new session starts with a recovery signal. \`flux run\` follows it.`,
  );
  return ExitCode.ok;
}

/** The stages that wait on `stageId` (the approval lets them start once it has merged). */
function dependentsOf(ctx: CommandContext, stageId: string): string[] {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  using store = openStore(paths);
  const plan = store.activePlan();
  if (plan === undefined) return [];
  return store
    .stages(plan.id)
    .filter((s) => s.spec.dependencies.includes(stageId))
    .map((s) => s.id);
}
