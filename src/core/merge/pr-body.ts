/**
 * The title and description of a stage's pull request (`merge: pr`), pure: what the stage is,
 * the acceptance evidence on the commit pushed, the sessions that made it and what they cost.
 * The engine gathers the facts from the store and hands the text to `gh` as a file.
 */

export interface PrCheck {
  command: string;
  passed: boolean;
  skipped: boolean;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
}

export interface PrSession {
  id: string;
  agent: string;
  purpose: string;
  status: string;
  /** Milliseconds from its creation to its end; null while it runs. */
  durationMs: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  costEstimated: boolean;
}

export interface PrFacts {
  stage: { id: string; name: string; description: string };
  branch: string;
  baseBranch: string;
  commit: string;
  /** The acceptance run that passed on `commit`, if Flux ran one (a forced completion has none). */
  acceptance: { trigger: string; durationMs: number; checks: PrCheck[] } | undefined;
  sessions: PrSession[];
}

const MAX_COMMAND = 200;

export function pullRequestTitle(stage: { id: string; name: string }): string {
  return stage.name === stage.id ? `flux: ${stage.id}` : `${stage.name} (flux: ${stage.id})`;
}

/** Human units: 850 ms, 12.3 s, 4 m 05 s, 1 h 02 m. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  const m = Math.floor(whole / 60);
  if (m < 60) return `${m} m ${String(whole % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} m`;
}

/** A command in an inline code span: backticks and newlines would break the table. */
function code(text: string): string {
  const one = text.replace(/\s*\n\s*/g, " ").trim();
  const short = one.length > MAX_COMMAND ? `${one.slice(0, MAX_COMMAND - 1)}…` : one;
  const ticks = short.includes("`") ? "``" : "`";
  return `${ticks}${ticks === "``" ? " " : ""}${short.replace(/\|/g, "\\|")}${ticks === "``" ? " " : ""}${ticks}`;
}

function checkResult(check: PrCheck): string {
  if (check.skipped) return "skipped";
  if (check.timedOut) return "timed out";
  if (check.passed) return `passed (exit ${check.exitCode ?? "–"})`;
  return `failed (exit ${check.exitCode ?? "signal"})`;
}

function tokens(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n);
}

export function pullRequestBody(facts: PrFacts): string {
  const { stage } = facts;
  const lines: string[] = [];
  lines.push(`Stage **${stage.id}**${stage.name === stage.id ? "" : `: ${stage.name}`}`);
  lines.push("");
  if (stage.description.trim() !== "") {
    lines.push(stage.description.trim());
    lines.push("");
  }
  lines.push(
    `Branch \`${facts.branch}\` at \`${facts.commit.slice(0, 12)}\` into \`${facts.baseBranch}\`.`,
  );
  lines.push("");

  lines.push("### Acceptance");
  lines.push("");
  const run = facts.acceptance;
  if (run === undefined) {
    lines.push("No acceptance run passed on this commit: a human completed the stage.");
  } else if (run.checks.length === 0) {
    lines.push("The stage has no acceptance checks.");
  } else {
    lines.push(
      `Flux ran the checks on this commit (${run.trigger}, ${formatDuration(run.durationMs)}):`,
    );
    lines.push("");
    lines.push("| Check | Result | Time |");
    lines.push("| --- | --- | --- |");
    for (const check of run.checks)
      lines.push(
        `| ${code(check.command)} | ${checkResult(check)} | ${formatDuration(check.durationMs)} |`,
      );
  }
  lines.push("");

  lines.push("### Sessions");
  lines.push("");
  if (facts.sessions.length === 0) {
    lines.push("No agent session: the work was done outside Flux.");
  } else {
    const agents = [...new Set(facts.sessions.map((s) => s.agent))].join(", ");
    const total = facts.sessions.reduce((sum, s) => sum + (s.durationMs ?? 0), 0);
    lines.push(
      `${facts.sessions.length} session${facts.sessions.length === 1 ? "" : "s"} (${agents}), ${formatDuration(total)} in all.`,
    );
    lines.push("");
    lines.push("| Session | Agent | Purpose | Status | Time | Tokens in / out | Cost |");
    lines.push("| --- | --- | --- | --- | --- | --- | --- |");
    for (const s of facts.sessions) {
      const time = s.durationMs === null ? "–" : formatDuration(s.durationMs);
      const used =
        s.inputTokens + s.outputTokens === 0
          ? "–"
          : `${tokens(s.inputTokens)} / ${tokens(s.outputTokens)}`;
      lines.push(
        `| \`${s.id}\` | ${s.agent} | ${s.purpose} | ${s.status} | ${time} | ${used} | ${cost(s.costUsd, s.costEstimated)} |`,
      );
    }
    const costs = facts.sessions.filter((s) => s.costUsd !== null);
    if (costs.length > 0) {
      const sum = costs.reduce((acc, s) => acc + (s.costUsd ?? 0), 0);
      const estimated = costs.some((s) => s.costEstimated);
      lines.push("");
      lines.push(
        `Cost: ${cost(sum, estimated)}${costs.length < facts.sessions.length ? " (some sessions reported none)" : ""}.`,
      );
    }
  }
  lines.push("");
  lines.push("---");
  lines.push(
    `Opened by Flux for stage \`${stage.id}\`. Once this pull request is merged, Flux marks the stage merged and starts the stages that depend on it.`,
  );
  return `${lines.join("\n")}\n`;
}

function cost(usd: number | null, estimated: boolean): string {
  if (usd === null) return "–";
  return `${estimated ? "~" : ""}$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}
