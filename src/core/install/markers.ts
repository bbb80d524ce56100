/**
 * The block Flux owns inside a user's file (CLAUDE.md, AGENTS.md): text between
 * `<!-- BEGIN FLUX … -->` and `<!-- END FLUX -->`. Inserting remembers the separator it added in
 * front, so removing gives back the user's text byte for byte. Pure: text in, text out.
 */

export const BLOCK_BEGIN =
  "<!-- BEGIN FLUX (managed by `flux install`: edits inside are replaced) -->";
export const BLOCK_END = "<!-- END FLUX -->";

/** Any BEGIN FLUX marker line, whatever its comment says (older versions may word it differently). */
const BEGIN_RE = /^<!-- BEGIN FLUX\b.*-->[ \t]*$/m;
const END_RE = /^<!-- END FLUX -->[ \t]*$/m;

export interface FoundBlock {
  /** Offset of the BEGIN marker. */
  start: number;
  /** Offset just past the END marker and its line break. */
  end: number;
  /** The text between the markers (without the marker lines). */
  inner: string;
}

export function findBlock(text: string): FoundBlock | undefined {
  const begin = BEGIN_RE.exec(text);
  if (begin === null) return undefined;
  const afterBegin = begin.index + begin[0].length;
  const endMatch = END_RE.exec(text.slice(afterBegin));
  if (endMatch === null) return undefined;
  const endIndex = afterBegin + endMatch.index;
  let end = endIndex + endMatch[0].length;
  if (text[end] === "\n") end += 1;
  const innerStart = text[afterBegin] === "\n" ? afterBegin + 1 : afterBegin;
  const inner = text.slice(innerStart, Math.max(innerStart, endIndex));
  return { start: begin.index, end, inner };
}

/** The block as written: markers on their own lines, the content ending with one line break. */
export function renderBlock(content: string): string {
  const body = content.endsWith("\n") ? content : `${content}\n`;
  return `${BLOCK_BEGIN}\n${body}${BLOCK_END}\n`;
}

/** What the block's content is normalised to, so hashes compare what renderBlock writes. */
export function blockInner(content: string): string {
  return content.endsWith("\n") ? content : `${content}\n`;
}

export interface BlockEdit {
  text: string;
  /** The separator put in front of an appended block ("" when replaced in place). */
  separator: string;
}

/**
 * The text with the block set to `content`: replaced in place when the markers are there,
 * appended after a blank line otherwise. `separator` keeps what an earlier insert added.
 */
export function upsertBlock(text: string, content: string, previousSeparator = ""): BlockEdit {
  const found = findBlock(text);
  if (found !== undefined) {
    return {
      text: text.slice(0, found.start) + renderBlock(content) + text.slice(found.end),
      separator: previousSeparator,
    };
  }
  const separator =
    text === "" ? "" : text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
  return { text: text + separator + renderBlock(content), separator };
}

/**
 * The text without the block, and without the separator Flux put in front of it when that
 * separator is still there: the user's own text comes back as it was.
 */
export function removeBlock(text: string, separator: string): string {
  const found = findBlock(text);
  if (found === undefined) return text;
  let before = text.slice(0, found.start);
  if (separator !== "" && before.endsWith(separator)) before = before.slice(0, -separator.length);
  return before + text.slice(found.end);
}
