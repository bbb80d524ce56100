import { describe, expect, it } from "vitest";
import {
  bullets,
  codeBlock,
  codeSpan,
  commandSpan,
  indent,
} from "../../../src/core/signal/markdown.ts";

describe("markdown helpers", () => {
  it("makes code spans that survive backticks in the text", () => {
    expect(codeSpan("npm test")).toBe("`npm test`");
    expect(codeSpan("echo `date`")).toBe("`` echo `date` ``");
    expect(codeSpan("a ``b`` c")).toBe("```a ``b`` c```");
  });

  it("makes fences longer than any backtick run inside", () => {
    expect(codeBlock("x", "text")).toBe("```text\nx\n```");
    expect(codeBlock("x\n")).toBe("```\nx\n```");
    expect(codeBlock("```js\ncode\n```")).toBe("````\n```js\ncode\n```\n````");
  });

  it("names a multi-line command by its first line", () => {
    expect(commandSpan("npm test")).toBe("`npm test`");
    expect(commandSpan("set -e\nnpm test\n")).toBe("`set -e` …");
  });

  it("indents non-empty lines and makes bullet lists", () => {
    expect(indent("a\n\nb", "  ")).toBe("  a\n\n  b");
    expect(bullets(["a", "b"])).toBe("- a\n- b");
    expect(bullets([])).toBe("");
  });
});
