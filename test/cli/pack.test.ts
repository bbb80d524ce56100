/**
 * The package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a clean
 * prefix, then the installed `flux --version`, `flux doctor --json`, `flux install` from the
 * shipped assets, and `flux self-update --from` the tarball.
 *
 * The SQLite binding: offline, better-sqlite3's install script cannot download its prebuilt
 * binary and compiles it (3–4 min here). This test hands it the binary this checkout already
 * built, as a local prebuild (the install script's own `local prebuilds` option), so it checks
 * our package, not the C++ compiler; FLUX_PACK_COMPILE=1 compiles for real, and
 * `npm run test:node-matrix` always does.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../kit/temp-repo.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
};
const NPM_CACHE = execFileSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).trim();

/** A prebuild tarball of the binding this checkout compiled, where its install script looks. */
function localPrebuild(): Record<string, string> {
  if (process.env.FLUX_PACK_COMPILE === "1") return {};
  const sqlite = path.join(ROOT, "node_modules", "better-sqlite3");
  const { version } = JSON.parse(fs.readFileSync(path.join(sqlite, "package.json"), "utf8")) as {
    version: string;
  };
  const dir = tempDir("flux-prebuild-");
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync("tar", [
    "-czf",
    path.join(dir, name),
    "-C",
    sqlite,
    "build/Release/better_sqlite3.node",
  ]);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: 15 * 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

describe("npm pack and a global install of the tarball", () => {
  it(
    "gives a working flux: --version, doctor, install, self-update --from",
    { timeout: 30 * 60_000 },
    () => {
      const work = tempDir("flux-pack-");
      const home = path.join(work, "home");
      const prefix = path.join(work, "prefix");
      fs.mkdirSync(home);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...localPrebuild(),
        HOME: home,
        npm_config_cache: NPM_CACHE,
        NO_COLOR: "1",
        CLAUDE_CONFIG_DIR: "",
        CODEX_HOME: "",
        XDG_CONFIG_HOME: "",
      };

      const pack = run("npm", ["pack", "--json", "--pack-destination", work, ROOT], env, work);
      expect(pack.code, pack.stderr).toBe(0);
      const packed = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
      const tarball = path.join(work, packed[0]!.filename);
      const files = packed[0]!.files.map((f) => f.path);
      expect(files).toContain("bin/flux.js");
      expect(files).toContain("dist/cli/main.js");
      expect(files.some((f) => f.startsWith("assets/agents/"))).toBe(true);
      expect(files.some((f) => f.startsWith("src/") || f.startsWith("test/"))).toBe(false);

      const npmArgs = [
        "install",
        "-g",
        "--prefix",
        prefix,
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
      ];
      const installed = run("npm", [...npmArgs, tarball], env, work);
      expect(installed.code, installed.stderr).toBe(0);
      console.log(`npm install -g of the tarball: ${(installed.ms / 1000).toFixed(1)} s`);

      const bin = path.join(prefix, "bin", "flux");
      const root = path.join(prefix, "lib", "node_modules", ...pkg.name.split("/"));
      expect(fs.realpathSync(bin)).toBe(path.join(root, "bin", "flux.js"));
      // Only the runtime dependencies come along: no agent CLIs, no dev tools.
      expect(fs.existsSync(path.join(root, "node_modules", "typescript"))).toBe(false);

      const version = run(bin, ["--version"], env, work);
      expect(version.stdout.trim()).toBe(pkg.version);

      const doctor = run(bin, ["doctor", "--json"], env, work);
      const report = JSON.parse(doctor.stdout) as {
        findings: { name: string; status: string }[];
        checks: { name: string; status: string }[];
      };
      expect(report.findings.find((f) => f.name === "node")?.status).toBe("ok");
      expect(report.checks.find((c) => c.name === "sqlite")?.status).toBe("ok");
      expect(report.checks.find((c) => c.name === "claude library")?.status).toBe("problem");

      // The shipped assets install, and doctor then finds the library.
      expect(run(bin, ["install"], env, work).code).toBe(0);
      const agent = fs.readdirSync(path.join(root, "assets", "agents")).sort()[0]!;
      expect(fs.existsSync(path.join(home, ".claude", "agents", agent))).toBe(true);
      const after = JSON.parse(run(bin, ["doctor", "--json"], env, work).stdout) as typeof report;
      expect(after.checks.find((c) => c.name === "claude library")?.status).toBe("ok");

      // self-update from the tarball: reinstalls Flux, and re-installs the library where it is
      // out of date (here: an installed agent the user deleted).
      fs.rmSync(path.join(home, ".claude", "agents", agent));
      const dry = run(bin, ["self-update", "--from", tarball, "--dry-run", "--json"], env, work);
      expect(JSON.parse(dry.stdout)).toMatchObject({
        prefix,
        refresh: [{ agent: "claude", action: "would-check" }],
      });
      const update = run(bin, ["self-update", "--from", tarball, "--json"], env, work);
      expect(update.code, update.stderr).toBe(0);
      console.log(`flux self-update --from the tarball: ${(update.ms / 1000).toFixed(1)} s`);
      expect(JSON.parse(update.stdout)).toMatchObject({
        ok: true,
        version: pkg.version,
        prefix,
        refresh: [{ agent: "claude", action: "reinstalled" }],
      });
      expect(fs.existsSync(path.join(home, ".claude", "agents", agent))).toBe(true);

      // Without --from: the registry's answer for a name that is not published is a clear 404.
      const registry = run(bin, ["self-update", "--dry-run"], env, work);
      // (Exit 5; or 6, SELF_UPDATE_FAILED, when the registry cannot be reached at all.)
      expect([5, 6], registry.stderr).toContain(registry.code);
      expect(registry.stderr).toMatch(/error\[SELF_UPDATE_(NOT_PUBLISHED|FAILED)\]/);
    },
  );
});
