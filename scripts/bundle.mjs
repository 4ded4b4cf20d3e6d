// Builds the committed bundles GitHub and npm users run: dist/index.js (the action) and
// dist/cli/index.js (the kargo-promote CLI), both at once. ncc type-checks src/ (tsconfig.json)
// and writes a package.json ({"type":"module"}) beside each bundle, since the sources are ESM.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
const ncc = require.resolve('@vercel/ncc/dist/ncc/cli.js');
const run = promisify(execFile);

rmSync('dist', { recursive: true, force: true });
const builds = [
  ['src/index.ts', 'dist'],
  ['src/cli.ts', 'dist/cli']
].map(([entry, out]) =>
  run(process.execPath, [ncc, 'build', entry, '-o', out, '--license', 'licenses.txt', '--quiet'], { maxBuffer: 64 * 1024 * 1024 }).catch(
    (err) => {
      process.stderr.write(`${entry}: ${err.stdout ?? ''}${err.stderr ?? err.message}\n`);
      throw err;
    }
  )
);
const results = await Promise.allSettled(builds);
if (results.some((r) => r.status === 'rejected')) process.exit(1);
