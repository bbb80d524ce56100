/**
 * Bounded views of a check's output: the tail kept as evidence and fed back to the agent, and
 * a streaming "stdout contains" test that sees all of stdout without keeping it.
 */

export const TAIL_MAX_LINES = 200;
/** Counted in UTF-16 code units: close enough to bytes for output, and cheap to cut. */
export const TAIL_MAX_CHARS = 16 * 1024;

/** How far a cut may move forward to start at a line boundary. */
const LINE_SNAP_CHARS = 1024;

/** Keeps the end of a stream of text: the last TAIL_MAX_LINES lines within TAIL_MAX_CHARS. */
export class OutputTail {
  readonly maxLines: number;
  readonly maxChars: number;
  #text = "";
  #dropped = false;

  constructor(maxLines = TAIL_MAX_LINES, maxChars = TAIL_MAX_CHARS) {
    this.maxLines = maxLines;
    this.maxChars = maxChars;
  }

  push(text: string): void {
    this.#text += text;
    // Trim in batches, so a chatty command costs amortised O(1) per character.
    if (this.#text.length > 2 * this.maxChars) this.#cut(this.#text.length - this.maxChars);
  }

  /** The tail, and whether anything before it was dropped. */
  result(): { text: string; truncated: boolean } {
    if (this.#text.length > this.maxChars) this.#cut(this.#text.length - this.maxChars);
    let text = this.#text;
    let truncated = this.#dropped;
    const lines = text.split("\n");
    // A final newline ends the last line; it does not start another.
    const count = text.endsWith("\n") ? lines.length - 1 : lines.length;
    if (count > this.maxLines) {
      text = lines.slice(count - this.maxLines).join("\n");
      truncated = true;
    }
    return { text, truncated };
  }

  #cut(from: number): void {
    let start = from;
    // Start at the next line boundary when it is near, rather than mid-line; the end of one
    // very long line (a minified stack trace) is worth more than nothing.
    const newline = this.#text.indexOf("\n", from);
    if (newline !== -1 && newline - from < LINE_SNAP_CHARS && newline + 1 < this.#text.length) {
      start = newline + 1;
    }
    this.#text = this.#text.slice(start);
    this.#dropped = true;
  }
}

/** Whether a needle occurs anywhere in a stream, across chunk boundaries. */
export class StreamContains {
  readonly needle: string;
  #carry = "";
  #found: boolean;

  constructor(needle: string) {
    this.needle = needle;
    this.#found = needle === "";
  }

  push(text: string): void {
    if (this.#found) return;
    const window = this.#carry + text;
    if (window.includes(this.needle)) {
      this.#found = true;
      return;
    }
    // Only the last needle.length - 1 characters can begin a match that the next chunk ends.
    this.#carry = window.slice(Math.max(0, window.length - (this.needle.length - 1)));
  }

  get found(): boolean {
    return this.#found;
  }
}
