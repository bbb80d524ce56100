/** Plans built in code for store and engine tests. */
import type { Plan } from "../../src/core/plan/model.ts";
import { resolvePlan } from "../../src/core/plan/model.ts";
import type { StageSpec } from "../../src/core/plan/schema.ts";

export function planOf(stages: StageSpec[], file = "doc/plans/PLAN-test.md"): Plan {
  return resolvePlan({ version: 1, stages }, { file, title: "Test plan", overview: "" });
}

/** a → b, a → c, (b, c) → d */
export function diamond(): StageSpec[] {
  return [
    { id: "a" },
    { id: "b", dependencies: ["a"] },
    { id: "c", dependencies: ["a"] },
    { id: "d", dependencies: ["b", "c"] },
  ];
}

/** Markdown plan text with the given YAML stage list. */
export function planMarkdown(stagesYaml: string, title = "Test plan"): string {
  return `# ${title}\n\nOverview text.\n\n<!-- FLUX METADATA -->\n\n\`\`\`yaml\nflux:\n  version: 1\n  stages:\n${stagesYaml}\`\`\`\n\n<!-- END FLUX METADATA -->\n`;
}
