// `npm run demo`: a real promotion end to end, with no network. It makes a local bare GitOps
// repository from examples/gitops/repo, runs examples/gitops/promotion.yaml against it with the
// bundled CLI (clone, set the image from the Freight, update a values file, commit, push to
// stage/test), then prints the commit that landed on stage/test.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(path.join(tmpdir(), 'kargo-demo-'));
const bare = path.join(scratch, 'gitops.git');
const seed = path.join(scratch, 'seed');
const workDir = path.join(scratch, 'workdir');
const identity = ['-c', 'user.name=Demo', '-c', 'user.email=demo@example.com', '-c', 'commit.gpgsign=false'];
const git = (args, cwd) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

console.log(`Creating a local GitOps repository at ${bare}`);
git(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
git(['init', '--quiet', '--initial-branch=main', seed]);
execFileSync('cp', ['-R', `${path.join(root, 'examples/gitops/repo')}/.`, seed]);
git(['add', '.'], seed);
git([...identity, 'commit', '--quiet', '-m', 'Initial GitOps layout'], seed);
git(['push', '--quiet', bare, 'main'], seed);

console.log('Promoting examples/gitops/freight.yaml to stage "test"\n');
const run = spawnSync(
  process.execPath,
  [
    path.join(root, 'dist/cli/index.js'),
    'run',
    '--steps-file', path.join(root, 'examples/gitops/promotion.yaml'),
    '--freight-file', path.join(root, 'examples/gitops/freight.yaml'),
    '--var', `gitRepo=file://${bare}`,
    '--stage', 'test',
    '--workdir', workDir
  ],
  { stdio: 'inherit', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }
);
if (run.status !== 0) {
  console.error('\nThe demo promotion failed.');
  process.exit(run.status ?? 1);
}
console.log('\nThe commit on stage/test:\n');
console.log(git(['--git-dir', bare, 'log', '-1', '--stat', '--format=commit %H%nAuthor: %an <%ae>%n%n    %s%n%b', 'stage/test']));
console.log(git(['--git-dir', bare, 'diff', 'main', 'stage/test']));
