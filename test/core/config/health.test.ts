/** `[health] heartbeat`: a duration of at least a second, 30 seconds unless set. */
import { describe, expect, it } from "vitest";
import { checkConfig } from "../../../src/core/config/schema.ts";
import { mergeConfig } from "../../../src/core/config/resolve.ts";
import { lifelineAt } from "../../../src/core/health.ts";

describe("[health] heartbeat", () => {
  it("is 30s by default, and a later layer's wins", () => {
    expect(mergeConfig([]).health.heartbeatMs).toBe(30_000);
    const merged = mergeConfig([{ health: { heartbeat: "5s" } }, { health: { stalled: "20m" } }]);
    expect(merged.health).toMatchObject({ heartbeatMs: 5_000, stalledMs: 20 * 60_000 });
  });

  it("takes a duration of at least 1s", () => {
    expect(checkConfig({ health: { heartbeat: "1s" } }).issues).toEqual([]);
    for (const heartbeat of ["500ms", "0s", "soon", 10])
      expect(checkConfig({ health: { heartbeat } }).issues).toEqual([
        { path: "health.heartbeat", message: 'must be a duration of at least 1s such as "10s"' },
      ]);
  });

  it("lets a session go unheard for three beats", () => {
    const settings = mergeConfig([{ health: { heartbeat: "2s" } }]).health;
    expect(lifelineAt(1_000, settings)).toBe(7_000);
  });
});
