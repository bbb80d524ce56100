/**
 * A tiny template language for prompt texts, small enough to read in one sitting:
 *
 *   {{name}}               the value, inserted verbatim (no escaping: the output is markdown)
 *   {{#name}} … {{/name}}  rendered only when the value has non-blank content
 *   {{^name}} … {{/name}}  rendered only when it has none
 *
 * A section tag alone on its line takes the whole line with it, so an empty section leaves
 * no blank line behind. Values are inserted once and never expanded again: a value holding
 * `{{x}}` (agent output, a plan's text) comes out as written.
 *
 * Templates are checked before anything renders: an unknown name, an unclosed or mismatched
 * section, or a malformed tag anywhere (also inside sections that would not render) is a
 * FluxError SIGNAL_TEMPLATE with the line and column, so a broken override fails on load.
 * There is no escape for a literal `{{`.
 */
import { ExitCode, FluxError } from "../errors.ts";
import { didYouMean } from "../plan/suggest.ts";

export type TemplateNode =
  | { type: "text"; text: string }
  | { type: "value"; name: string; line: number; column: number }
  | {
      type: "section";
      name: string;
      inverted: boolean;
      children: TemplateNode[];
      line: number;
      column: number;
    };

const TAG = /\{\{(.*?)\}\}/g;
const TAG_BODY = /^\s*([#^/]?)\s*([A-Za-z_][\w.-]*)\s*$/;

interface Open {
  name: string;
  inverted: boolean;
  children: TemplateNode[];
  line: number;
  column: number;
}

/** Parses a template into nodes; throws SIGNAL_TEMPLATE on a syntax error. */
export function parseTemplate(source: string): TemplateNode[] {
  const root: TemplateNode[] = [];
  const stack: Open[] = [];
  const current = (): TemplateNode[] => stack.at(-1)?.children ?? root;
  const pushText = (text: string): void => {
    if (text !== "") current().push({ type: "text", text });
  };

  let pos = 0;
  for (const match of source.matchAll(TAG)) {
    const start = match.index;
    const end = start + match[0].length;
    const { line, column } = locate(source, start);
    const body = TAG_BODY.exec(match[1] ?? "");
    if (body === null) {
      throw templateError(`malformed tag ${match[0]} at ${line}:${column}`, {
        tag: match[0],
        line,
        column,
      });
    }
    const sigil = body[1] ?? "";
    const name = body[2] ?? "";
    if (sigil === "") {
      pushText(source.slice(pos, start));
      current().push({ type: "value", name, line, column });
      pos = end;
      continue;
    }
    // A section tag alone on its line swallows the line: empty sections leave no trace.
    const lineStart = source.lastIndexOf("\n", start - 1) + 1;
    const newline = source.indexOf("\n", end);
    const lineEnd = newline === -1 ? source.length : newline;
    const standalone =
      lineStart >= pos &&
      source.slice(lineStart, start).trim() === "" &&
      source.slice(end, lineEnd).trim() === "";
    pushText(source.slice(pos, standalone ? lineStart : start));
    pos = standalone ? Math.min(lineEnd + 1, source.length) : end;

    if (sigil === "/") {
      const open = stack.pop();
      if (open === undefined) {
        throw templateError(`{{/${name}}} at ${line}:${column} closes no open section`, {
          placeholder: name,
          line,
          column,
        });
      }
      if (open.name !== name) {
        throw templateError(
          `{{/${name}}} at ${line}:${column} closes {{#${open.name}}} opened at ${open.line}:${open.column}`,
          { placeholder: name, line, column },
        );
      }
      current().push({ type: "section", ...open });
    } else {
      stack.push({ name, inverted: sigil === "^", children: [], line, column });
    }
  }
  pushText(source.slice(pos));
  const unclosed = stack.at(-1);
  if (unclosed !== undefined) {
    throw templateError(
      `section {{#${unclosed.name}}} opened at ${unclosed.line}:${unclosed.column} is never closed`,
      { placeholder: unclosed.name, line: unclosed.line, column: unclosed.column },
    );
  }
  return root;
}

/** Throws SIGNAL_TEMPLATE naming the first placeholder that is not in `known`. */
export function checkNames(nodes: TemplateNode[], known: ReadonlySet<string>): void {
  for (const node of nodes) {
    if (node.type === "text") continue;
    if (!known.has(node.name)) {
      throw templateError(
        `unknown placeholder {{${node.name}}} at ${node.line}:${node.column}.${didYouMean(node.name, known)}`,
        { placeholder: node.name, line: node.line, column: node.column },
        `known placeholders: ${[...known].join(", ")}`,
      );
    }
    if (node.type === "section") checkNames(node.children, known);
  }
}

/** Parses, checks every name against `values`, and renders. */
export function renderTemplate(source: string, values: Readonly<Record<string, string>>): string {
  const nodes = parseTemplate(source);
  checkNames(nodes, new Set(Object.keys(values)));
  return renderNodes(nodes, values);
}

function renderNodes(nodes: TemplateNode[], values: Readonly<Record<string, string>>): string {
  let out = "";
  for (const node of nodes) {
    if (node.type === "text") out += node.text;
    else if (node.type === "value") out += values[node.name] ?? "";
    else if (hasContent(values[node.name]) !== node.inverted) {
      out += renderNodes(node.children, values);
    }
  }
  return out;
}

function hasContent(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== "";
}

/** 1-based line and column of an offset. */
function locate(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf("\n"); i !== -1 && i < offset; i = source.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function templateError(message: string, data: Record<string, unknown>, hint?: string): FluxError {
  return new FluxError("SIGNAL_TEMPLATE", `signal template: ${message}`, {
    hint:
      hint ?? "placeholders are {{name}}; sections are {{#name}}…{{/name}} or {{^name}}…{{/name}}",
    exitCode: ExitCode.usage,
    data,
  });
}
