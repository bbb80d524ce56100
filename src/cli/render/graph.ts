/** The stage DAG drawn four ways: text for a terminal, Graphviz dot, Mermaid, JSON. */
import { criticalPath, topologicalLevels } from "../../core/graph/index.ts";
import type { StageState } from "../../core/stage/states.ts";
import type { PlanRecord, StageRecord } from "../../store/store.ts";
import { paint, paintState } from "../output.ts";

export interface GraphView {
  plan: { file: string; title: string; baseBranch: string };
  stages: {
    id: string;
    name: string;
    state: StageState;
    level: number;
    dependencies: string[];
    dependents: string[];
    group: string | null;
  }[];
  edges: { from: string; to: string }[];
  levels: string[][];
  criticalPath: string[];
}

export function buildGraph(
  plan: Pick<PlanRecord, "file" | "title" | "baseBranch">,
  records: readonly Pick<StageRecord, "id" | "state" | "spec">[],
): GraphView {
  const nodes = records.map((r) => ({
    id: r.id,
    dependencies: r.spec.dependencies,
    parallelGroup: r.spec.parallelGroup,
  }));
  const levelOf = topologicalLevels(nodes);
  const dependents = new Map<string, string[]>(records.map((r) => [r.id, []]));
  const edges: GraphView["edges"] = [];
  for (const r of records) {
    for (const d of r.spec.dependencies) {
      dependents.get(d)?.push(r.id);
      edges.push({ from: d, to: r.id });
    }
  }
  const levels: string[][] = [];
  for (const r of records) {
    const level = levelOf.get(r.id) ?? 0;
    (levels[level] ??= []).push(r.id);
  }
  return {
    plan: { file: plan.file, title: plan.title, baseBranch: plan.baseBranch },
    stages: records.map((r) => ({
      id: r.id,
      name: r.spec.name,
      state: r.state,
      level: levelOf.get(r.id) ?? 0,
      dependencies: r.spec.dependencies,
      dependents: dependents.get(r.id) ?? [],
      group: r.spec.parallelGroup,
    })),
    edges,
    levels,
    criticalPath: criticalPath(nodes),
  };
}

const MARK: Record<StageState, string> = {
  waiting: "○",
  ready: "◎",
  parked: "⏸",
  running: "▶",
  needs_handoff: "↻",
  checking: "…",
  completed: "✓",
  awaiting_verification: "?",
  verified: "✓",
  merged: "●",
  blocked: "✗",
  failed: "✗",
  skipped: "–",
  cancelled: "–",
};

export function renderGraphText(view: GraphView, color: boolean): string {
  const byId = new Map(view.stages.map((s) => [s.id, s]));
  const lines = [
    `${paint(color, "bold", view.plan.title)}  ${paint(color, "dim", view.plan.file)}`,
    "",
  ];
  view.levels.forEach((ids, level) => {
    const parallel =
      ids.length > 1 ? paint(color, "dim", `  (${ids.length} may run in parallel)`) : "";
    lines.push(paint(color, "bold", `Level ${level}`) + parallel);
    ids.forEach((id, i) => {
      const s = byId.get(id);
      if (s === undefined) return;
      const branch = i === ids.length - 1 ? "└─" : "├─";
      const name = s.name === s.id ? "" : ` ${paint(color, "dim", s.name)}`;
      const deps =
        s.dependencies.length === 0
          ? ""
          : `  ${paint(color, "gray", "←")} ${s.dependencies.join(", ")}`;
      lines.push(
        `  ${branch} ${paint(color, "bold", MARK[s.state])} ${s.id}${name}  [${paintState(color, s.state)}]${deps}`,
      );
    });
  });
  if (view.criticalPath.length > 1) {
    lines.push("", `${paint(color, "dim", "critical path:")} ${view.criticalPath.join(" → ")}`);
  }
  return lines.join("\n");
}

/** Stage ids are validated (`[a-z0-9-]`); names are free text and escaped. */
function dotString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

const DOT_FILL: Record<StageState, string> = {
  waiting: "white",
  ready: "lightcyan",
  parked: "lightyellow",
  running: "lightblue",
  needs_handoff: "plum",
  checking: "lightblue",
  completed: "palegreen",
  awaiting_verification: "khaki",
  verified: "palegreen",
  merged: "darkseagreen",
  blocked: "salmon",
  failed: "salmon",
  skipped: "lightgray",
  cancelled: "lightgray",
};

export function renderGraphDot(view: GraphView): string {
  const lines = [
    `digraph flux {`,
    `  label=${dotString(view.plan.title)};`,
    `  rankdir=LR;`,
    `  node [shape=box, style="rounded,filled"];`,
  ];
  for (const s of view.stages) {
    lines.push(
      `  ${dotString(s.id)} [label=${dotString(`${s.name}\n${s.id} · ${s.state}`)}, fillcolor=${DOT_FILL[s.state]}];`,
    );
  }
  for (const e of view.edges) lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)};`);
  lines.push("}");
  return lines.join("\n");
}

function mermaidLabel(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/[<>]/g, (c) => (c === "<" ? "#lt;" : "#gt;"));
}

export function renderGraphMermaid(view: GraphView): string {
  const lines = ["flowchart TD"];
  for (const s of view.stages)
    lines.push(`  ${s.id}["${mermaidLabel(s.name)}<br/>${s.id} · ${s.state}"]:::${s.state}`);
  for (const e of view.edges) lines.push(`  ${e.from} --> ${e.to}`);
  lines.push(
    "  classDef merged fill:#b5e3b5;",
    "  classDef completed fill:#d4f4d4;",
    "  classDef verified fill:#d4f4d4;",
    "  classDef running fill:#cfe3ff;",
    "  classDef checking fill:#cfe3ff;",
    "  classDef ready fill:#dff7f7;",
    "  classDef blocked fill:#f8c0b8;",
    "  classDef failed fill:#f8c0b8;",
  );
  return lines.join("\n");
}
