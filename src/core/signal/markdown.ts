/**
 * Markdown for text we do not control (commands, agent output, commit subjects): code spans
 * and fences that stay intact whatever backticks the text holds.
 */

/** The longest run of backticks in `text`. */
function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/** An inline code span: `npm test`, or ``a `quoted` b`` when the text holds backticks. */
export function codeSpan(text: string): string {
  const ticks = "`".repeat(longestBacktickRun(text) + 1);
  // CommonMark strips one space on each side, so padding keeps edge backticks apart from the fence.
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

/** A fenced block longer than any backtick run inside, so the text cannot close it early. */
export function codeBlock(text: string, info = ""): string {
  const fence = "`".repeat(Math.max(3, longestBacktickRun(text) + 1));
  const body = text.endsWith("\n") ? text : `${text}\n`;
  return `${fence}${info}\n${body}${fence}`;
}

/**
 * A command named inline: its code span, or for a multi-line command (a YAML `|` block) its
 * first line and an ellipsis. Where the whole command matters, use `codeBlock`.
 */
export function commandSpan(text: string): string {
  const lines = text.trim().split("\n");
  const first = lines[0] ?? "";
  return lines.length > 1 ? `${codeSpan(first)} …` : codeSpan(first);
}

/** Indents every non-empty line, to nest a block under a list item. */
export function indent(text: string, by: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : by + line))
    .join("\n");
}

/** A bullet list, one line per item; "" for no items. */
export function bullets(items: readonly string[]): string {
  return items.map((item) => `- ${item}`).join("\n");
}
