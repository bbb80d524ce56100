import { describe, expect, it } from "vitest";
import { FluxError } from "../../../src/core/errors.ts";
import { renderTemplate } from "../../../src/core/signal/index.ts";

function templateError(fn: () => unknown): FluxError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FluxError);
    expect((error as FluxError).code).toBe("SIGNAL_TEMPLATE");
    return error as FluxError;
  }
  throw new Error("expected a SIGNAL_TEMPLATE error");
}

describe("renderTemplate", () => {
  it("substitutes placeholders, with or without spaces inside the braces", () => {
    expect(renderTemplate("a {{x}} b {{ y }}.", { x: "1", y: "2" })).toBe("a 1 b 2.");
  });

  it("inserts values verbatim: no escaping, no second expansion", () => {
    const value = "<b>&amp; *bold* {{x}} `code`";
    expect(renderTemplate("[{{x}}]", { x: value })).toBe(`[${value}]`);
  });

  it("renders a section only when its value has non-blank content", () => {
    const t = "a{{#x}}[{{x}}]{{/x}}b";
    expect(renderTemplate(t, { x: "1" })).toBe("a[1]b");
    expect(renderTemplate(t, { x: "" })).toBe("ab");
    expect(renderTemplate(t, { x: " \n\t" })).toBe("ab");
  });

  it("renders an inverted section only when the value is blank", () => {
    const t = "{{^x}}none{{/x}}{{#x}}some{{/x}}";
    expect(renderTemplate(t, { x: "" })).toBe("none");
    expect(renderTemplate(t, { x: "1" })).toBe("some");
  });

  it("removes the lines of standalone section tags, so empty sections leave no blank lines", () => {
    const t = "# Title\n\n{{#x}}\n## X\n\n{{x}}\n\n{{/x}}\n  {{#y}}  \n## Y\n\n{{/y}}\nend\n";
    expect(renderTemplate(t, { x: "", y: "" })).toBe("# Title\n\nend\n");
    expect(renderTemplate(t, { x: "body", y: "" })).toBe("# Title\n\n## X\n\nbody\n\nend\n");
    expect(renderTemplate(t, { x: "", y: "1" })).toBe("# Title\n\n## Y\n\nend\n");
  });

  it("handles a standalone tag on the last line without a newline", () => {
    expect(renderTemplate("a\n{{#x}}\nb\n{{/x}}", { x: "1" })).toBe("a\nb\n");
    expect(renderTemplate("a\n{{#x}}\nb\n{{/x}}", { x: "" })).toBe("a\n");
  });

  it("nests sections", () => {
    const t = "{{#a}}A{{#b}}B{{/b}}{{^b}}-{{/b}}{{/a}}";
    expect(renderTemplate(t, { a: "1", b: "1" })).toBe("AB");
    expect(renderTemplate(t, { a: "1", b: "" })).toBe("A-");
    expect(renderTemplate(t, { a: "", b: "1" })).toBe("");
  });

  it("leaves single braces and unmatched openers alone", () => {
    expect(renderTemplate("{x} { {x}} {{\n}}", { x: "1" })).toBe("{x} { {x}} {{\n}}");
  });

  it("names an unknown placeholder, where it is, and a likely fix", () => {
    const error = templateError(() => renderTemplate("line\n  {{stage_nme}}", { stage_name: "" }));
    expect(error.message).toContain("{{stage_nme}}");
    expect(error.message).toContain("2:3");
    expect(error.message).toContain('Did you mean "stage_name"?');
    expect(error.data).toMatchObject({ placeholder: "stage_nme", line: 2, column: 3 });
    expect(error.hint).toContain("stage_name");
  });

  it("finds unknown placeholders inside sections that would not render", () => {
    const error = templateError(() => renderTemplate("{{#x}}{{nope}}{{/x}}", { x: "" }));
    expect(error.data).toMatchObject({ placeholder: "nope" });
    expect(templateError(() => renderTemplate("{{#nope}}{{/nope}}", {})).data).toMatchObject({
      placeholder: "nope",
    });
  });

  it("rejects unclosed, mismatched and stray section tags", () => {
    expect(templateError(() => renderTemplate("{{#x}}a", { x: "" })).message).toContain(
      "never closed",
    );
    const mismatched = templateError(() => renderTemplate("{{#x}}{{/y}}", { x: "", y: "" }));
    expect(mismatched.message).toContain("closes {{#x}} opened at 1:1");
    expect(templateError(() => renderTemplate("a {{/x}}", { x: "" })).message).toContain(
      "closes no open section",
    );
  });

  it("rejects malformed tags", () => {
    const error = templateError(() => renderTemplate("{{ two words }}", {}));
    expect(error.message).toContain("malformed tag {{ two words }}");
    templateError(() => renderTemplate("{{}}", {}));
    templateError(() => renderTemplate("{{#}}", {}));
  });
});
