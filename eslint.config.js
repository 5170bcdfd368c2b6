// ESLint for the dashboard's ES modules (src/sahelwatch/web/static/js) and their unit tests
// (tests/web/js): the recommended rules; the vendored libraries are globals of the page.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "src/sahelwatch/web/static/vendor/", ".venv/", "build/", "dist/"] },
  js.configs.recommended,
  {
    files: ["src/sahelwatch/web/static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser, L: "readonly", uPlot: "readonly" },
    },
  },
  {
    files: ["tests/web/js/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
  {
    rules: {
      "no-unused-vars": ["error", { args: "none" }],
      eqeqeq: ["error", "always"],
      "prefer-const": "error",
      "no-var": "error",
    },
  },
];
