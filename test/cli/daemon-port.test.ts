/** The daemon keeps its port across restarts where it can, and takes another when it cannot. */
import net from "node:net";
import { describe, expect, it } from "vitest";
import { fluxRepo } from "../kit/flux-repo.ts";

const urlOf = (read: (file: string) => string) =>
  (JSON.parse(read(".work/daemon.json")) as { url: string }).url;

describe("the daemon's port", () => {
  it("is the same after a restart, and another one when something else holds it", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    await repo.ok(["daemon", "start", "-d"]);
    const first = urlOf(repo.read);
    await repo.ok(["daemon", "stop"]);
    await repo.ok(["daemon", "start", "-d"]);
    expect(urlOf(repo.read)).toBe(first);
    await repo.ok(["daemon", "stop"]);

    // Something else took the port meanwhile: the daemon starts on another.
    const squatter = net.createServer();
    await new Promise<void>((resolve) =>
      squatter.listen(Number(new URL(first).port), "127.0.0.1", resolve),
    );
    try {
      await repo.ok(["daemon", "start", "-d"]);
      expect(urlOf(repo.read)).not.toBe(first);
      expect((await repo.ok(["daemon", "status", "--json"])).stdout).toContain('"running": true');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
