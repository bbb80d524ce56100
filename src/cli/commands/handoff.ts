/**
 * `flux handoff create|list|show`. `create` is what an agent runs when its context runs high:
 * the document goes to the daemon (with the session's own token), which checks it, stores it
 * with what Flux knows and starts a fresh session from it. `list` and `show` read the store
 * directly, like `flux status`: no daemon needed. Free of zod (the daemon parses the document):
 * an agent's call stays cheap.
 */
import fs from "node:fs";
import path from "node:path";
import {
  ExitCode,
  FluxError,
  forbidden,
  handoffNotFound,
  handoffUnreadable,
  refusedInSession,
  stageNotFound,
} from "../../core/errors.ts";
import { handoffNumber, renderHandoff } from "../../core/handoff/render.ts";
import type { HandoffRecord } from "../../core/handoff/types.ts";
import { getHandoff, latestHandoff, listHandoffs } from "../../store/handoffs.ts";
import type { WorkPaths } from "../../store/paths.ts";
import { handoffFile } from "../../store/projections/handoffs.ts";
import { ensureDaemon } from "../client.ts";
import { openStore, requireActivePlan, requireWorkPaths, sessionAncestor } from "../context.ts";
import type { CommandContext } from "../main.ts";
import { json, paint } from "../output.ts";

export interface CreateOptions {
  file?: string;
  stdin?: boolean;
  stage?: string;
  json?: boolean;
}

function documentMissing(both: boolean): FluxError {
  return new FluxError(
    "USAGE",
    both
      ? "flux handoff create reads the document from --file or --stdin, not both"
      : "flux handoff create needs the document: --file <path> or --stdin",
    {
      hint: `e.g. \`flux handoff create --file handoff.md\`, or \`flux handoff create --stdin <<'EOF'\` … \`EOF\`; \`flux handoff create --help\` shows the sections to write`,
    },
  );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function readDocument(ctx: CommandContext, file: string): string {
  const resolved = path.resolve(ctx.cwd, file);
  try {
    return fs.readFileSync(resolved, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw handoffUnreadable(file, "no such file");
    if (code === "EISDIR") throw handoffUnreadable(file, "it is a directory");
    throw error;
  }
}

/** The stage a handoff is for: the session's own, or the one a human names. */
function targetStage(ctx: CommandContext, stage: string | undefined): string {
  const sessionId = ctx.env.FLUX_SESSION_ID;
  const own = ctx.env.FLUX_STAGE_ID;
  if (sessionId !== undefined && sessionId !== "") {
    if (stage !== undefined && own !== undefined && own !== "" && stage !== own)
      throw forbidden.otherStage(own, stage);
    const id = stage ?? own;
    if (id === undefined || id === "")
      throw new FluxError("STAGE_ID_MISSING", "which stage? FLUX_STAGE_ID is not set", {
        hint: "inside a session Flux sets it; name the stage with --stage <id>",
      });
    return id;
  }
  if (stage === undefined || stage === "")
    throw new FluxError(
      "STAGE_ID_MISSING",
      "which stage? Outside a session, name it: `flux handoff create --stage <id> --file <path>`",
      { hint: "an agent runs it inside its session, where the stage is its own" },
    );
  // An agent that unset its FLUX_* variables would hand off with the admin credential: its
  // ancestry gives it away.
  const session = sessionAncestor(ctx.env, ctx.cwd);
  if (session !== undefined)
    throw refusedInSession(
      `\`flux handoff create --stage ${stage}\` without the session's own token`,
      session,
    );
  return stage;
}

function fileOf(paths: WorkPaths, record: Pick<HandoffRecord, "stageId" | "number">): string {
  return path.relative(paths.root, handoffFile(paths, record.stageId, record.number));
}

export async function handoffCreate(ctx: CommandContext, opts: CreateOptions): Promise<number> {
  const fromStdin = opts.stdin === true;
  if ((opts.file === undefined) === !fromStdin) throw documentMissing(fromStdin);
  const id = targetStage(ctx, opts.stage);
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const document = fromStdin ? await readStdin() : readDocument(ctx, opts.file ?? "");
  const client = await ensureDaemon(paths, ctx.env, ctx.fluxBin);
  const reply = await client.call("createHandoff", { params: { id }, body: { document } });
  if (opts.json === true) {
    ctx.output.out(json(reply));
    return ExitCode.ok;
  }
  const { handoff } = reply;
  ctx.output.out(
    paint(
      ctx.output.color,
      "green",
      `handoff ${handoffNumber(handoff.number)} stored for ${id}: ${fileOf(paths, handoff)}`,
    ),
  );
  ctx.output.out(
    "This session ends now; a fresh session continues from the handoff. Stop here: do not start new work.",
  );
  return ExitCode.ok;
}

/** The active plan's stage `id`, or STAGE_NOT_FOUND with the plan's ids. */
function readStage<T>(
  ctx: CommandContext,
  id: string,
  read: (paths: WorkPaths, store: ReturnType<typeof openStore>, planId: number) => T,
): T {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  using store = openStore(paths);
  const plan = requireActivePlan(store);
  const stages = store.stages(plan.id).map((s) => s.id);
  if (!stages.includes(id)) throw stageNotFound(id, stages);
  return read(paths, store, plan.id);
}

/** `2026-01-02T03:04:05.000Z` → `2026-01-02 03:04`. */
function shortTime(iso: string): string {
  return iso.slice(0, 16).replace("T", " ");
}

function firstLine(text: string, width: number): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

export function handoffList(ctx: CommandContext, id: string, opts: { json?: boolean }): number {
  const { paths, records } = readStage(ctx, id, (paths, store, planId) => ({
    paths,
    records: listHandoffs(store, planId, id),
  }));
  if (opts.json === true) {
    ctx.output.out(json(records));
    return ExitCode.ok;
  }
  if (records.length === 0) {
    ctx.output.out(`${id} has no handoffs yet.`);
    return ExitCode.ok;
  }
  const c = ctx.output.color;
  for (const r of records) {
    ctx.output.out(
      `${paint(c, "bold", handoffNumber(r.number))}  ${shortTime(r.createdAt)}  by ${r.author === "agent" ? "the agent" : "Flux"} (${r.reason})${r.sessionId === null ? "" : `, ${r.sessionId}`}`,
    );
    ctx.output.out(`     ${firstLine(r.handoff.summary, 90)}`);
    ctx.output.out(paint(c, "dim", `     ${fileOf(paths, r)}`));
  }
  ctx.output.out(paint(c, "dim", `\n\`flux handoff show ${id} [N]\` prints one in full.`));
  return ExitCode.ok;
}

/** `001`, `1` → 1; anything else is a usage error. */
function parseNumber(value: string): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) === 0)
    throw new FluxError("INVALID_ARGUMENT", `"${value}" is not a handoff number`, {
      hint: "handoffs are numbered 1, 2, 3… per stage (`flux handoff list <stage>`)",
    });
  return Number(value);
}

export function handoffShow(
  ctx: CommandContext,
  id: string,
  number: string | undefined,
  opts: { json?: boolean },
): number {
  const wanted = number === undefined ? undefined : parseNumber(number);
  const record = readStage(ctx, id, (_paths, store, planId) => {
    const found =
      wanted === undefined
        ? latestHandoff(store, planId, id)
        : getHandoff(store, planId, id, wanted);
    if (found !== undefined) return found;
    const known = listHandoffs(store, planId, id).map((r) => r.number);
    throw handoffNotFound(id, wanted, known);
  });
  ctx.output.out(opts.json === true ? json(record) : renderHandoff(record).trimEnd());
  return ExitCode.ok;
}
