/**
 * Finds the plan's metadata in its markdown. The block starts at a `<!-- FLUX METADATA … -->`
 * comment (any words may follow FLUX METADATA). The YAML after it is either a fenced code block
 * (``` or ~~~, any info string), ending at the fence's close, or bare lines ending at
 * `<!-- END FLUX METADATA -->` or the end of the file. Markers inside code fences are examples,
 * not metadata, so the scan tracks fences the way CommonMark does.
 */
import type { Diagnostic } from "../diagnostics.ts";

export interface MetadataBlock {
  /** The YAML text, line breaks normalised to \n. */
  yaml: string;
  /** 1-based line of the plan file where the YAML starts: YAML line n is file line `line + n - 1`. */
  line: number;
  /** 1-based line of the `<!-- FLUX METADATA -->` marker. */
  markerLine: number;
  /** Whether the YAML sat in a code fence. */
  fenced: boolean;
}

export interface ExtractedPlan {
  /** Text of the first `# ` heading before the metadata, if any. */
  title: string | undefined;
  /** The markdown before the marker, trimmed: the overview agents are given. */
  overview: string;
  /** Absent when the file has no marker (diagnostics then hold PLAN_NO_METADATA). */
  block: MetadataBlock | undefined;
  diagnostics: Diagnostic[];
}

const MARKER = /^\s*<!--\s*FLUX METADATA\b/i;
const END_MARKER = /^\s*<!--\s*END FLUX METADATA\b.*-->\s*$/i;
const HEADING = /^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;

interface Fence {
  char: string;
  length: number;
}

function opensFence(line: string): Fence | undefined {
  const m = FENCE_OPEN.exec(line);
  if (m === null) return undefined;
  const marks = m[1] ?? "";
  // CommonMark: a backtick fence's info string may not contain backticks.
  if (marks.startsWith("`") && (m[2] ?? "").includes("`")) return undefined;
  return { char: marks.charAt(0), length: marks.length };
}

function closesFence(line: string, fence: Fence): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
  const marks = m?.[1];
  return marks !== undefined && marks.charAt(0) === fence.char && marks.length >= fence.length;
}

/** The block to paste, shown whenever a plan has none. */
export const METADATA_EXAMPLE = [
  "<!-- FLUX METADATA -->",
  "```yaml",
  "flux:",
  "  version: 1",
  "  stages:",
  "    - id: first-stage",
  '      name: "What this stage does"',
  "      acceptance:",
  '        - "npm test"',
  "```",
  "<!-- END FLUX METADATA -->",
].join("\n");

export function extractMetadata(markdown: string, file = "plan.md"): ExtractedPlan {
  const lines = markdown.replace(/^\uFEFF/, "").split(/\r?\n/);
  let title: string | undefined;
  let fence: Fence | undefined;
  let markerIndex = -1;
  let fencedMarkerLine: number | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (fence !== undefined) {
      if (closesFence(line, fence)) fence = undefined;
      else if (MARKER.test(line)) fencedMarkerLine ??= i + 1;
      continue;
    }
    fence = opensFence(line);
    if (fence !== undefined) continue;
    if (MARKER.test(line)) {
      markerIndex = i;
      break;
    }
    const heading = title === undefined ? HEADING.exec(line) : null;
    if (heading?.[1]) title = heading[1];
  }

  if (markerIndex === -1) {
    const inFence =
      fencedMarkerLine === undefined
        ? ""
        : `The marker on line ${fencedMarkerLine} is inside a code block, where it is only an example. `;
    return {
      title,
      overview: lines.join("\n").trim(),
      block: undefined,
      diagnostics: [
        {
          code: "PLAN_NO_METADATA",
          severity: "error",
          message: "no <!-- FLUX METADATA --> block: Flux cannot tell which stages this plan has",
          file,
          line: fencedMarkerLine,
          hint: `${inFence}Add the metadata after the plan's text, for example:\n\n${METADATA_EXAMPLE}`,
        },
      ],
    };
  }

  const overview = lines.slice(0, markerIndex).join("\n").trim();
  // The comment may span lines (`<!-- FLUX METADATA` … `-->`): the YAML starts after its close.
  let afterMarker = markerIndex;
  while (afterMarker < lines.length && !(lines[afterMarker] ?? "").includes("-->")) afterMarker++;
  afterMarker++;

  let first = afterMarker;
  while (first < lines.length && (lines[first] ?? "").trim() === "") first++;
  const opener = first < lines.length ? opensFence(lines[first] ?? "") : undefined;
  const diagnostics: Diagnostic[] = [];
  const start = opener === undefined ? afterMarker : first + 1;
  let end = start;
  while (end < lines.length) {
    const line = lines[end] ?? "";
    if (opener !== undefined && closesFence(line, opener)) break;
    if (END_MARKER.test(line)) {
      if (opener !== undefined) diagnostics.push(unclosedFence(file, first + 1, end + 1));
      break;
    }
    end++;
  }
  if (opener !== undefined && end === lines.length) {
    diagnostics.push(unclosedFence(file, first + 1, undefined));
  }

  return {
    title,
    overview,
    block: {
      yaml: lines.slice(start, end).join("\n"),
      line: start + 1,
      markerLine: markerIndex + 1,
      fenced: opener !== undefined,
    },
    diagnostics,
  };
}

function unclosedFence(file: string, line: number, endLine: number | undefined): Diagnostic {
  const until = endLine === undefined ? "the end of the file" : `the END marker on line ${endLine}`;
  return {
    code: "PLAN_UNCLOSED_FENCE",
    severity: "warning",
    message: `the code block holding the metadata is never closed; reading YAML until ${until}`,
    file,
    line,
    column: 1,
    hint: "Close the block with the same fence that opened it (``` or ~~~) after the last YAML line.",
  };
}
