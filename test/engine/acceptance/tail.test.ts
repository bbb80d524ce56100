import { describe, expect, it } from "vitest";
import { OutputTail, StreamContains } from "../../../src/engine/acceptance/tail.ts";

describe("OutputTail", () => {
  it("keeps everything while within its limits", () => {
    const tail = new OutputTail(3, 100);
    tail.push("a\nb");
    tail.push("\nc\n");
    expect(tail.result()).toEqual({ text: "a\nb\nc\n", truncated: false });
  });

  it("keeps the last lines, counting a final line without a newline", () => {
    const tail = new OutputTail(2, 100);
    tail.push("1\n2\n3\n");
    expect(tail.result()).toEqual({ text: "2\n3\n", truncated: true });
    const open = new OutputTail(2, 100);
    open.push("1\n2\n3");
    expect(open.result()).toEqual({ text: "2\n3", truncated: true });
  });

  it("cuts by size at a nearby line boundary", () => {
    const tail = new OutputTail(100, 10);
    for (let i = 0; i < 50; i++) tail.push(`${i}\n`);
    expect(tail.result()).toEqual({ text: "47\n48\n49\n", truncated: true });
  });

  it("keeps the end of one very long line", () => {
    const tail = new OutputTail(100, 2048);
    tail.push("x".repeat(10_000));
    tail.push("y\nend\n");
    const { text, truncated } = tail.result();
    expect(truncated).toBe(true);
    expect(text).toHaveLength(2048);
    expect(text.endsWith("xy\nend\n")).toBe(true);
  });
});

describe("StreamContains", () => {
  it("finds a needle split across chunks", () => {
    const search = new StreamContains("needle");
    for (const chunk of ["hay ne", "e", "dle hay"]) search.push(chunk);
    expect(search.found).toBe(true);
  });

  it("does not find what is not there, and finds the empty string at once", () => {
    const search = new StreamContains("ok");
    for (const chunk of ["o", "x", "k", "o"]) search.push(chunk);
    expect(search.found).toBe(false);
    expect(new StreamContains("").found).toBe(true);
  });
});
