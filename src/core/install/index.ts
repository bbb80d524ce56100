/** Planning `flux install` / `flux uninstall`: layouts per agent CLI, the marker block, the manifest diff. */
export * from "./library.ts";
export * from "./markers.ts";
export * from "./plan.ts";
export * from "./errors.ts";
