import { describe, expect, it } from "vitest";
import { checkConfig } from "../../../src/core/config/schema.ts";
import { mergeConfig } from "../../../src/core/config/resolve.ts";

describe("[merge] predict_interval", () => {
  it("defaults to 60 s and takes a positive duration", () => {
    expect(mergeConfig([]).predictIntervalMs).toBe(60_000);
    expect(mergeConfig([{ merge: { predict_interval: "2m" } }]).predictIntervalMs).toBe(120_000);
    expect(checkConfig({ merge: { predict_interval: "0s" } }).issues).toEqual([
      { path: "merge.predict_interval", message: expect.stringContaining("above 0") as string },
    ]);
  });
});
