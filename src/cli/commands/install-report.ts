/** How `flux install`, `uninstall` and `install --check` report their plans: text or JSON. */
import type { FluxError } from "../../core/errors.ts";
import type { FileAction, InstallPlan } from "../../core/install/index.ts";
import type { CommandContext } from "../main.ts";
import { json, paint } from "../output.ts";
import type { Style } from "../output.ts";
import type { Target } from "./install.ts";

export type ReportMode =
  "install" | "uninstall" | "install-dry-run" | "uninstall-dry-run" | "check";

const MARK: Record<FileAction["kind"], [string, Style]> = {
  create: ["+", "green"],
  update: ["~", "cyan"],
  remove: ["-", "yellow"],
  unchanged: ["=", "dim"],
  conflict: ["!", "red"],
  edited: ["!", "red"],
  kept: ["!", "yellow"],
};

function why(action: FileAction, mode: ReportMode): string {
  const would = mode.endsWith("dry-run") || mode === "check";
  if (action.forced === true) return would ? " (would be forced)" : " (forced)";
  switch (action.kind) {
    case "conflict":
      return ": your own file, not written by Flux: left alone (--force replaces it)";
    case "edited":
      return mode.startsWith("uninstall")
        ? ": edited since Flux wrote it: left alone (--force removes it)"
        : ": edited since Flux wrote it: left alone (--force replaces it)";
    case "kept":
      return ": no longer in the library, but edited since Flux wrote it: left to you";
    default:
      return "";
  }
}

function counts(plan: InstallPlan): Record<FileAction["kind"], number> {
  const c = { create: 0, update: 0, remove: 0, unchanged: 0, conflict: 0, edited: 0, kept: 0 };
  for (const f of plan.files) c[f.kind] += 1;
  return c;
}

export function renderPlans(
  ctx: CommandContext,
  plans: readonly { target: Target; plan: InstallPlan }[],
  how: { mode: ReportMode; json: boolean; ok: boolean; error?: FluxError | undefined },
): void {
  if (how.json) {
    ctx.output.out(
      json({
        ok: how.ok,
        mode: how.mode,
        targets: plans.map(({ target, plan }) => ({
          agent: target.agent,
          target: target.dir,
          upToDate: plan.upToDate,
          changes: plan.changes,
          skipped: plan.skipped,
          counts: counts(plan),
          files: plan.files.map((f) => ({
            path: f.path,
            action: f.kind,
            ...(f.forced === true ? { forced: true } : {}),
          })),
          block:
            plan.block === undefined
              ? null
              : {
                  file: plan.block.file,
                  action: plan.block.kind,
                  ...(plan.block.forced === true ? { forced: true } : {}),
                },
        })),
        ...(how.error === undefined ? {} : { error: how.error.toJSON() }),
      }),
    );
    return;
  }
  const c = ctx.output.color;
  const dry = how.mode.endsWith("dry-run");
  for (const { target, plan } of plans) {
    ctx.output.out(
      `${paint(c, "bold", target.agent)} → ${target.dir}${dry ? paint(c, "dim", " (dry run: nothing written)") : ""}`,
    );
    for (const f of plan.files) {
      if (f.kind === "unchanged") continue;
      const [mark, style] = MARK[f.kind];
      ctx.output.out(`  ${paint(c, style, mark)} ${f.path}${why(f, how.mode)}`);
    }
    const b = plan.block;
    if (b !== undefined && b.kind !== "unchanged") {
      const text = {
        add: "Flux block added",
        replace: "Flux block replaced",
        remove:
          b.text === undefined
            ? "removed (Flux created it)"
            : "Flux block removed, the rest untouched",
        edited: "Flux block edited since Flux wrote it: left alone (--force replaces it)",
        unchanged: "",
      }[b.kind];
      ctx.output.out(
        `  ${paint(c, b.kind === "edited" ? "red" : "cyan", b.kind === "edited" ? "!" : "~")} ${b.file}: ${text}${b.forced === true ? " (forced)" : ""}`,
      );
    }
    const n = counts(plan);
    const summary = how.mode.startsWith("uninstall")
      ? plan.upToDate
        ? "nothing installed here"
        : `${n.remove} removed${n.edited > 0 ? `, ${n.edited} left alone` : ""}`
      : plan.upToDate
        ? "up to date"
        : `${n.create} new, ${n.update} updated, ${n.remove} removed, ${n.unchanged} unchanged` +
          (plan.skipped > 0 ? `, ${plan.skipped} left alone` : "");
    ctx.output.out(`  ${paint(c, "dim", summary)}`);
  }
  if (how.mode === "check")
    ctx.output.out(
      how.ok
        ? "The library is installed and up to date."
        : "An install is needed: run `flux install`" +
            (plans.length === 1 && plans[0]?.target.agent !== "claude"
              ? ` --for ${plans[0]?.target.agent}`
              : "") +
            ".",
    );
  if (how.error !== undefined) {
    ctx.output.err(`${paint(c, "red", "error")}[${how.error.code}]: ${how.error.message}`);
    if (how.error.hint !== undefined)
      ctx.output.err(`  ${paint(c, "dim", "hint:")} ${how.error.hint}`);
  }
}
