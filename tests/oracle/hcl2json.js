#!/usr/bin/env node
// HashiCorp's HCL parser as an oracle: does a text parse, and what JSON does it give?
//
// The parser is @cdktf/hcl2json (hashicorp/hcl's hclsyntax in Go, compiled to wasm), installed by
// `make oracle` into .oracle/ (git-ignored); FLEETIAC_HCL_ORACLE names another install folder.
//
//   node tests/oracle/hcl2json.js FILE...     one result line per file ("-" reads stdin)
//   node tests/oracle/hcl2json.js --lines     stdin: one JSON string (an HCL text) per line;
//                                             stdout: one result line per input line, in order
//
// A result line is JSON: {"name": ..., "ok": true, "json": ...} or {"name": ..., "ok": false,
// "error": "..."}. The "json" member is the parser's own JSON text, copied unchanged, so integers
// of any size reach the reader exactly (JSON.parse would round them to doubles).
"use strict";

const fs = require("fs");
const path = require("path");
const readline = require("readline");

function load() {
  const folder = process.env.FLEETIAC_HCL_ORACLE || path.join(__dirname, "..", "..", ".oracle");
  const entry = path.join(folder, "node_modules", "@cdktf", "hcl2json");
  try {
    return require(entry);
  } catch (error) {
    process.stderr.write(`hcl2json is not installed in ${folder} (run \`make oracle\`): ${error.message}\n`);
    process.exit(3);
  }
}

async function rawParser() {
  const hcl2json = load();
  await hcl2json.parse("ready.tf", ""); // waits until the wasm module has registered its functions
  const bridge = global.__parse_terraform_config_wasm__;
  return (name, text) =>
    new Promise((resolve) => {
      bridge.parse(name, text, (error, json) => resolve(error ? { error: String(error) } : { json }));
    });
}

function resultLine(name, result) {
  if (result.error !== undefined) {
    return JSON.stringify({ name, ok: false, error: result.error });
  }
  return `{"name":${JSON.stringify(name)},"ok":true,"json":${result.json}}`;
}

async function main(args) {
  const parse = await rawParser();
  const out = (line) => process.stdout.write(line + "\n");
  if (args.length === 1 && args[0] === "--lines") {
    const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    let index = 0;
    for await (const line of lines) {
      if (line === "") continue;
      const name = `case${index++}.tf`;
      out(resultLine(name, await parse(name, JSON.parse(line))));
    }
    return;
  }
  if (args.length === 0 || args.some((a) => a.startsWith("--"))) {
    process.stderr.write("usage: hcl2json.js FILE... | hcl2json.js --lines\n");
    process.exit(2);
  }
  for (const file of args) {
    const text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
    out(resultLine(file, await parse(path.basename(file === "-" ? "stdin.tf" : file), text)));
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0), // the Go runtime keeps the event loop alive
  (error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(1);
  },
);
