// Lint rules, including the layering rule of DESIGN.md §7: a lower layer never imports a higher one.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const layers = ["core", "store", "adapters", "engine", "server", "cli"];
/** What each layer may not import. */
const forbidden = {
  core: ["store", "adapters", "engine", "server", "cli"],
  store: ["adapters", "engine", "server", "cli"],
  adapters: ["store", "engine", "server", "cli"],
  engine: ["server", "cli"],
  server: ["cli"],
  cli: [],
};

const layerRules = layers.map((layer) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          ...forbidden[layer].map((up) => ({
            group: [`**/${up}/**`, `../${up}`, `../../${up}`],
            message: `src/${layer} may not import src/${up} (layers: core → store/adapters → engine → server/cli).`,
          })),
          ...(layer === "core"
            ? [
                {
                  group: [
                    "node:fs",
                    "node:fs/*",
                    "node:child_process",
                    "node:net",
                    "node:http",
                    "better-sqlite3",
                  ],
                  message: "src/core is pure: no I/O.",
                },
              ]
            : []),
        ],
      },
    ],
    ...(layer === "core"
      ? {
          "no-restricted-globals": [
            "error",
            { name: "process", message: "src/core is pure: pass values in." },
          ],
          "no-restricted-properties": [
            "error",
            { object: "Date", property: "now", message: "src/core is pure: take a clock." },
          ],
        }
      : {}),
  },
}));

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "bin/", "templates/", "eslint.config.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
  ...layerRules,
);
