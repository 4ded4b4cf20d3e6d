// `npm run bench [-- filter...]`: bundle bench/suite.ts (TypeScript, ESM, `.js` import suffixes)
// with esbuild into a temporary directory (well under a second, no type check: that is
// `npm run typecheck`), then run it with --expose-gc.
// Filters pick benchmark groups or names: `npm run bench -- expr`, `npm run bench -- yaml engine`.
// Exit code: the suite's (0 unless something crashed; a WARN line is information).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = mkdtempSync(path.join(tmpdir(), 'kargo-bench-build-'));
const outfile = path.join(out, 'suite.mjs');

let status = 1;
try {
  const started = Date.now();
  await build({
    absWorkingDir: root,
    entryPoints: ['bench/suite.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    // CommonJS dependencies (ajv, ...) call require() for Node's modules; give the ESM bundle one.
    banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" }
  });
  console.log(`bundled bench/suite.ts in ${((Date.now() - started) / 1000).toFixed(1)} s; node ${process.version}\n`);
  const run = spawnSync(process.execPath, ['--expose-gc', outfile, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  status = run.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(status);
