// Security review tests: user paths never lead out of the WorkDir (symlinks, `..`, absolute
// paths, links planted before or during a step), and expressions never reach JS internals.
// Each case plants a real secret file outside the WorkDir and checks that no step reads it,
// writes it, or writes anything beside it.

import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { evaluateExpression, evaluateTemplate } from '../src/expressions/index.js';
import type { StepResult } from '../src/promotion/types.js';
import { copyRunner } from '../src/runners/copy.js';
import { deleteRunner } from '../src/runners/delete.js';
import { gitEnv } from '../src/git/exec.js';
import { disposeGitPrivateDir } from '../src/git/index.js';
import { gitClearRunner } from '../src/runners/git-clear.js';
import { gitCloneRunner } from '../src/runners/git-clone.js';
import { gitCommitRunner } from '../src/runners/git-commit.js';
import { gitTagRunner } from '../src/runners/git-tag.js';
import { git } from './helpers/git-fixtures.js';
import { startGitServer, type GitServer } from './helpers/git-server.js';
import { runTool } from '../src/tools/run.js';
import { fileWriteRunner } from '../src/runners/file-write.js';
import { helmTemplateRunner } from '../src/runners/helm-template.js';
import { isTerminal } from '../src/promotion/errors.js';
import { httpRunner } from '../src/runners/http.js';
import { httpDownloadRunner } from '../src/runners/http-download.js';
import { jsonParseRunner } from '../src/runners/json-parse.js';
import { jsonUpdateRunner } from '../src/runners/json-update.js';
import { kustomizeSetImageRunner } from '../src/runners/kustomize-set-image.js';
import { tarRunner } from '../src/runners/tar.js';
import { tomlParseRunner } from '../src/runners/toml-parse.js';
import { tomlUpdateRunner } from '../src/runners/toml-update.js';
import { untarRunner } from '../src/runners/untar.js';
import { yamlMergeRunner } from '../src/runners/yaml-merge.js';
import { yamlParseRunner } from '../src/runners/yaml-parse.js';
import { yamlUpdateRunner } from '../src/runners/yaml-update.js';
import { readSettings, runEnvironment } from '../src/settings.js';
import { startHttpServer, type TestServer } from './helpers/http-server.js';
import { makeTempDir, runStep } from './helpers/step-context.js';

const SECRET = 'TOP-SECRET-OUTSIDE';

interface Layout {
  workDir: string;
  outside: string;
  /** The outside dir's tree before the step: it must be unchanged after. */
  before: string;
}

function tree(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const abs = path.join(d, name);
      const st = lstatSync(abs);
      const rel = path.relative(dir, abs);
      if (st.isSymbolicLink()) out.push(`${rel} -> ${readlinkSync(abs)}`);
      else if (st.isDirectory()) {
        out.push(`${rel}/ ${(st.mode & 0o777).toString(8)}`);
        walk(abs);
      } else out.push(`${rel} ${(st.mode & 0o777).toString(8)} ${readFileSync(abs, 'utf8')}`);
    }
  };
  walk(dir);
  return out.join('\n');
}

/**
 * A WorkDir with links out: `out` -> the outside dir (absolute), `out-file` -> the secret
 * (absolute), `rel-out` -> the outside dir (relative, through `..`), `dangling` -> a missing
 * file outside, `sub/up` -> `../..` (climbs out of the WorkDir).
 */
function layout(): Layout {
  const outside = makeTempDir('kargo-outside-');
  writeFileSync(path.join(outside, 'secret.txt'), SECRET);
  writeFileSync(path.join(outside, 'secret.yaml'), `key: ${SECRET}\n`);
  writeFileSync(path.join(outside, 'secret.json'), `{"key": "${SECRET}"}\n`);
  writeFileSync(path.join(outside, 'secret.toml'), `key = "${SECRET}"\n`);
  writeFileSync(path.join(outside, 'kustomization.yaml'), `images: []\n# ${SECRET}\n`);
  const workDir = makeTempDir();
  symlinkSync(outside, path.join(workDir, 'out'));
  symlinkSync(path.join(outside, 'secret.txt'), path.join(workDir, 'out-file'));
  symlinkSync(path.join(outside, 'secret.yaml'), path.join(workDir, 'out-yaml'));
  symlinkSync(path.relative(workDir, outside), path.join(workDir, 'rel-out'));
  symlinkSync(path.join(outside, 'missing.txt'), path.join(workDir, 'dangling'));
  mkdirSync(path.join(workDir, 'sub'));
  symlinkSync('../..', path.join(workDir, 'sub', 'up'));
  return { workDir, outside, before: tree(outside) };
}

/** The many spellings of "a file outside" a user may try. */
function escapes(l: Layout, file: string): string[] {
  const name = path.basename(l.outside);
  return [
    `out/${file}`,
    `rel-out/${file}`,
    `../${name}/${file}`,
    `../../../../../../../../${l.outside}/${file}`,
    path.join(l.outside, file),
    `sub/up/${name}/${file}`,
    `./sub/../out/${file}`
  ];
}

function expectOutsideUntouched(l: Layout): void {
  expect(tree(l.outside)).toBe(l.before);
}

function resultText(result: StepResult): string {
  return JSON.stringify({ output: result.output ?? null, error: result.error ? String((result.error as Error).message) : null });
}

function expectNoLeak(l: Layout, result: StepResult): void {
  expect(resultText(result)).not.toContain(SECRET);
  expectOutsideUntouched(l);
}

describe('paths stay inside the WorkDir', () => {
  describe.each([
    ['yaml-parse', yamlParseRunner, 'secret.yaml', (p: string) => ({ path: p, outputs: [{ name: 'v', fromExpression: 'key' }] })],
    ['json-parse', jsonParseRunner, 'secret.json', (p: string) => ({ path: p, outputs: [{ name: 'v', fromExpression: 'key' }] })],
    ['toml-parse', tomlParseRunner, 'secret.toml', (p: string) => ({ path: p, outputs: [{ name: 'v', fromExpression: 'key' }] })],
    ['yaml-update', yamlUpdateRunner, 'secret.yaml', (p: string) => ({ path: p, updates: [{ key: 'key', value: 'x' }] })],
    ['json-update', jsonUpdateRunner, 'secret.json', (p: string) => ({ path: p, updates: [{ key: 'key', value: 'x' }] })],
    ['toml-update', tomlUpdateRunner, 'secret.toml', (p: string) => ({ path: p, updates: [{ key: 'key', value: 'x' }] })],
    ['yaml-merge', yamlMergeRunner, 'secret.yaml', (p: string) => ({ inFiles: [p], outFile: 'merged.yaml' })],
    ['yaml-merge (out)', yamlMergeRunner, 'secret.yaml', (p: string) => ({ inFiles: ['in.yaml'], outFile: p })],
    ['kustomize-set-image', kustomizeSetImageRunner, '.', (p: string) => ({ path: p, images: [{ image: 'nginx', tag: '1' }] })],
    ['copy (in)', copyRunner, 'secret.txt', (p: string) => ({ inPath: p, outPath: 'copied.txt' })],
    ['copy (out)', copyRunner, 'secret.txt', (p: string) => ({ inPath: 'in.yaml', outPath: p })],
    ['tar (in)', tarRunner, 'secret.txt', (p: string) => ({ inPath: p, outPath: 'a.tar' })],
    ['tar (out)', tarRunner, 'secret.txt', (p: string) => ({ inPath: 'in.yaml', outPath: p })],
    ['delete', deleteRunner, 'secret.txt', (p: string) => ({ path: p })],
    ['delete (glob)', deleteRunner, 'secret.txt', (p: string) => ({ path: p.replace(/secret\.txt$/, '*'), pathsAreGlobs: true })],
    ['file-write', fileWriteRunner, 'secret.txt', (p: string) => ({ path: p, contents: 'pwned', overwrite: true })]
  ])('%s', (_name, runner, file, config) => {
    it('never reads or writes outside through links, `..` or absolute paths', async () => {
      for (const spelling of escapes(layout(), file).map((_, i) => i)) {
        const l = layout();
        writeFileSync(path.join(l.workDir, 'in.yaml'), 'in: 1\n');
        const p = escapes(l, file)[spelling] as string;
        const result = await runStep(runner, config(p), { workDir: l.workDir });
        expectNoLeak(l, result);
        const copied = ['copied.txt', 'merged.yaml'].map((f) => path.join(l.workDir, f)).filter(existsSync);
        for (const f of copied) expect(readFileSync(f, 'utf8')).not.toContain(SECRET);
        if (existsSync(path.join(l.workDir, 'a.tar'))) {
          const names: string[] = [];
          await tar.t({ file: path.join(l.workDir, 'a.tar'), onReadEntry: (e) => names.push(e.path) });
          expect(readFileSync(path.join(l.workDir, 'a.tar')).toString('latin1')).not.toContain(SECRET);
        }
      }
    });
  });

  it.each([
    ['yaml-parse', yamlParseRunner, (p: string) => ({ path: p, outputs: [{ name: 'v', fromExpression: 'key' }] })],
    ['yaml-update', yamlUpdateRunner, (p: string) => ({ path: p, updates: [{ key: 'key', value: 'x' }] })],
    ['copy', copyRunner, (p: string) => ({ inPath: p, outPath: 'copied.txt' })],
    ['tar', tarRunner, (p: string) => ({ inPath: p, outPath: 'a.tar' })]
  ])('%s: a symlink as the final component pointing out is clamped, not followed', async (_n, runner, config) => {
    const l = layout();
    const result = await runStep(runner, config('out-yaml'), { workDir: l.workDir });
    expectNoLeak(l, result);
  });

  it('copy: a symlink inside the copied tree is not followed out', async () => {
    const l = layout();
    mkdirSync(path.join(l.workDir, 'src'));
    symlinkSync(path.join(l.outside, 'secret.txt'), path.join(l.workDir, 'src', 'leak'));
    symlinkSync(l.outside, path.join(l.workDir, 'src', 'leakdir'));
    const result = await runStep(copyRunner, { inPath: 'src', outPath: 'dst' }, { workDir: l.workDir });
    expect(result.status).toBe('Succeeded');
    expect(readdirSync(path.join(l.workDir, 'dst'))).toEqual([]);
    expectNoLeak(l, result);
  });

  it('copy: a destination file that is a link out is clamped back into the WorkDir', async () => {
    const l = layout();
    mkdirSync(path.join(l.workDir, 'src'));
    writeFileSync(path.join(l.workDir, 'src', 'secret.txt'), 'mine');
    mkdirSync(path.join(l.workDir, 'dst'));
    symlinkSync(path.join(l.outside, 'secret.txt'), path.join(l.workDir, 'dst', 'secret.txt'));
    const result = await runStep(copyRunner, { inPath: 'src', outPath: 'dst' }, { workDir: l.workDir });
    expect(result.status).toBe('Succeeded');
    expectNoLeak(l, result);
  });

  it('tar: links in the archived tree are stored as links, their targets never read', async () => {
    const l = layout();
    mkdirSync(path.join(l.workDir, 'src'));
    symlinkSync(path.join(l.outside, 'secret.txt'), path.join(l.workDir, 'src', 'leak'));
    symlinkSync(l.outside, path.join(l.workDir, 'src', 'leakdir'));
    const result = await runStep(tarRunner, { inPath: 'src', outPath: 'a.tar' }, { workDir: l.workDir });
    expect(result.status).toBe('Succeeded');
    expect(readFileSync(path.join(l.workDir, 'a.tar')).toString('latin1')).not.toContain(SECRET);
    expectNoLeak(l, result);
  });

  it.each([
    ['yaml-update', yamlUpdateRunner, (p: string) => ({ path: p, updates: [{ key: 'key', value: 'x' }] })],
    ['yaml-merge', yamlMergeRunner, (p: string) => ({ inFiles: [p], outFile: p })],
    ['file-write', fileWriteRunner, (p: string) => ({ path: p, contents: 'key: x\n', overwrite: true })]
  ])('%s: a link swapped in at the target is replaced, never written through', async (_n, runner, config) => {
    // writeFileAtomic renames over the target: a symlink there (planted after the path was
    // resolved) is replaced by the new file, its target untouched.
    const l = layout();
    writeFileSync(path.join(l.workDir, 'values.yaml'), 'key: a\n');
    const result = await runStep(runner, config('values.yaml'), { workDir: l.workDir });
    expect(result.status).toBe('Succeeded');
    const { writeFileAtomic } = await import('../src/fs/atomic.js');
    const target = path.join(l.workDir, 'values.yaml');
    rmSync(target);
    symlinkSync(path.join(l.outside, 'secret.yaml'), target);
    await writeFileAtomic(target, 'replaced\n');
    expect(lstatSync(target).isSymbolicLink()).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('replaced\n');
    expectOutsideUntouched(l);
  });

  describe('untar', () => {
    function archiveOf(entries: Array<{ path: string; type: 'File' | 'Directory' | 'SymbolicLink'; linkpath?: string; body?: string }>): Buffer {
      const blocks: Buffer[] = [];
      for (const e of entries) {
        const body = Buffer.from(e.body ?? '');
        const header = new tar.Header({
          path: e.path,
          type: e.type,
          size: e.type === 'File' ? body.length : 0,
          mode: e.type === 'Directory' ? 0o755 : 0o644,
          mtime: new Date('2024-01-01T00:00:00Z'),
          linkpath: e.linkpath
        });
        const block = Buffer.alloc(512);
        header.encode(block);
        blocks.push(block);
        if (body.length > 0) blocks.push(Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]));
      }
      blocks.push(Buffer.alloc(1024));
      return Buffer.concat(blocks);
    }

    /** Every link the extraction left, with where it really leads. */
    function linksLeadingOut(root: string, dest: string): string[] {
      const bad: string[] = [];
      const walk = (d: string) => {
        for (const name of readdirSync(d)) {
          const abs = path.join(d, name);
          const st = lstatSync(abs);
          if (st.isSymbolicLink()) {
            let real: string | undefined;
            try {
              real = realpathSync.native(abs); // the kernel's answer: JS realpathSync folds `..` lexically
            } catch {
              real = undefined;
            }
            if (real !== undefined && path.relative(dest, real).startsWith('..')) bad.push(`${path.relative(root, abs)} -> ${real}`);
          } else if (st.isDirectory()) walk(abs);
        }
      };
      walk(dest);
      return bad;
    }

    it.each([
      ['a chain of relative links, each lexically inside', [
        { path: 'd/', type: 'Directory' as const },
        { path: 'd/e/', type: 'Directory' as const },
        { path: 'd/e/l', type: 'SymbolicLink' as const, linkpath: '../..' },
        { path: 'x', type: 'SymbolicLink' as const, linkpath: 'd/e/l/../..' }
      ]],
      ['a link whose parent link arrives later', [
        { path: 'x', type: 'SymbolicLink' as const, linkpath: 'd/l/..' },
        { path: 'd/', type: 'Directory' as const },
        { path: 'd/l', type: 'SymbolicLink' as const, linkpath: '..' }
      ]],
      ['links that climb one level each (trailing ..)', [
        { path: 'd/', type: 'Directory' as const },
        { path: 'd/l', type: 'SymbolicLink' as const, linkpath: '..' },
        { path: 'm', type: 'SymbolicLink' as const, linkpath: 'd/l/..' },
        { path: 'n', type: 'SymbolicLink' as const, linkpath: 'm/..' },
        { path: 'o', type: 'SymbolicLink' as const, linkpath: 'n/..' }
      ]],
      ['a link to ..', [{ path: 'x', type: 'SymbolicLink' as const, linkpath: '..' }]],
      ['an absolute link', [{ path: 'x', type: 'SymbolicLink' as const, linkpath: '/etc' }]],
      ['a file written through an extracted link', [
        { path: 'x', type: 'SymbolicLink' as const, linkpath: '../../..' },
        { path: 'x/pwned', type: 'File' as const, body: 'pwned' }
      ]]
    ])('never leaves a link leading out of the destination: %s', async (_n, entries) => {
      const l = layout();
      writeFileSync(path.join(l.workDir, 'a.tar'), archiveOf(entries));
      const result = await runStep(untarRunner, { inPath: 'a.tar', outPath: 'deep/dest' }, { workDir: l.workDir });
      expect(result.status).toBe('Succeeded');
      const dest = path.join(l.workDir, 'deep/dest');
      expect(linksLeadingOut(l.workDir, dest)).toEqual([]);
      expectOutsideUntouched(l);
    });

    it('never writes a file through a chain of links that climbs out', async () => {
      const l = layout();
      // In the extraction dir <workDir>/.untar-*: m -> <workDir>, n -> its parent, p -> the outside dir.
      const entries = [
        { path: 'd/', type: 'Directory' as const },
        { path: 'd/l', type: 'SymbolicLink' as const, linkpath: '..' },
        { path: 'm', type: 'SymbolicLink' as const, linkpath: 'd/l/..' },
        { path: 'n', type: 'SymbolicLink' as const, linkpath: 'm/..' },
        { path: 'p', type: 'SymbolicLink' as const, linkpath: `n/${path.basename(l.outside)}` },
        { path: 'p/pwned.txt', type: 'File' as const, body: 'pwned' },
        { path: 'p/secret.txt', type: 'File' as const, body: 'pwned' }
      ];
      writeFileSync(path.join(l.workDir, 'a.tar'), archiveOf(entries));
      const result = await runStep(untarRunner, { inPath: 'a.tar', outPath: 'dest' }, { workDir: l.workDir });
      // m is refused, so n and p dangle inside the extraction dir and p/ cannot be made.
      expect(result).toMatchObject({ status: 'Errored', error: { message: expect.stringContaining('failed to extract tar file') } });
      expectOutsideUntouched(l);
    });

    it('keeps links that stay inside the destination', async () => {
      const l = layout();
      const entries = [
        { path: 'd/', type: 'Directory' as const },
        { path: 'd/f', type: 'File' as const, body: 'x' },
        { path: 'd/l', type: 'SymbolicLink' as const, linkpath: 'f' },
        { path: 'top', type: 'SymbolicLink' as const, linkpath: 'd/l' },
        { path: 'd/e/', type: 'Directory' as const },
        { path: 'd/e/up', type: 'SymbolicLink' as const, linkpath: '..' }
      ];
      writeFileSync(path.join(l.workDir, 'a.tar'), archiveOf(entries));
      const result = await runStep(untarRunner, { inPath: 'a.tar', outPath: 'dest' }, { workDir: l.workDir });
      expect(result.status).toBe('Succeeded');
      expect(readFileSync(path.join(l.workDir, 'dest/top'), 'utf8')).toBe('x');
      expect(readlinkSync(path.join(l.workDir, 'dest/d/e/up'))).toBe('..');
    });

    it('reads the archive through secureJoin: a link out is clamped', async () => {
      const l = layout();
      const result = await runStep(untarRunner, { inPath: 'out-file', outPath: 'dest' }, { workDir: l.workDir });
      expectNoLeak(l, result);
    });

    it('outPath through a link out is clamped into the WorkDir', async () => {
      const l = layout();
      writeFileSync(path.join(l.workDir, 'a.tar'), archiveOf([{ path: 'f', type: 'File', body: 'x' }]));
      for (const outPath of ['out/dest', '../x/dest', path.join(l.outside, 'dest'), 'sub/up/dest']) {
        const result = await runStep(untarRunner, { inPath: 'a.tar', outPath }, { workDir: l.workDir });
        expectNoLeak(l, result);
      }
    });
  });

  describe('network steps', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startHttpServer((_req, res) => res.end('downloaded'));
    });
    afterAll(async () => {
      await server.close();
    });

    it('http: bodyFromFile through a link out is clamped, the secret never sent', async () => {
      const l = layout();
      for (const p of [...escapes(l, 'secret.txt'), 'out-file']) {
        server.requests.length = 0;
        const result = await runStep(httpRunner, { method: 'POST', url: `${server.url}/x`, bodyFromFile: p }, { workDir: l.workDir });
        expectNoLeak(l, result);
        for (const r of server.requests) expect(r.body.toString()).not.toContain(SECRET);
      }
    });

    it('http-download: outPath through links, `..` or absolute paths writes inside the WorkDir', async () => {
      const l = layout();
      for (const p of [...escapes(l, 'secret.txt'), 'out-file', 'dangling', ...escapes(l, 'new.txt')]) {
        const result = await runStep(httpDownloadRunner, { url: `${server.url}/f`, outPath: p, allowOverwrite: true }, { workDir: l.workDir });
        expect(result.status).toBe('Succeeded');
        expectOutsideUntouched(l);
      }
    });
  });

  describe('git steps', () => {
    let gitServer: GitServer;
    beforeAll(async () => {
      gitServer = await startGitServer();
    });
    afterAll(() => {
      gitServer.close();
      disposeGitPrivateDir();
    });

    /** The outside dir made a git work tree with one commit: git steps must never touch it. */
    function outsideRepo(l: Layout): () => string {
      git(l.outside, ['init', '--quiet', '--initial-branch=main']);
      git(l.outside, ['add', '-A']);
      git(l.outside, ['-c', 'user.name=x', '-c', 'user.email=x@example.com', 'commit', '--quiet', '-m', 'outside']);
      const state = () => `${git(l.outside, ['rev-parse', 'HEAD'])} ${git(l.outside, ['status', '--porcelain'])} ${git(l.outside, ['tag'])} ${tree(l.outside).replace(/^\.git.*$/gm, '')}`;
      return state;
    }

    it('git-clone: checkout paths through links, `..` or absolute paths land inside the WorkDir', async () => {
      const repo = gitServer.createRepo('org/sec.git');
      const url = gitServer.url('org/sec.git');
      const caps = {
        gitUser: { name: 'u', email: 'u@example.com' },
        secrets: { gitops: { repoURL: url, username: gitServer.username, password: gitServer.password } },
        mask: () => undefined
      };
      expect(repo).toBeTruthy();
      const l = layout();
      const name = path.basename(l.outside);
      const paths = ['out/wt1', 'rel-out/wt2', `../${name}/wt3`, path.join(l.outside, 'wt4'), 'sub/up/wt5'];
      for (const p of paths) {
        const result = await runStep(gitCloneRunner, { repoURL: url, checkout: [{ path: p }] }, { workDir: l.workDir, capabilities: caps });
        expect(result.error).toBeUndefined();
        expect(result.status).toBe('Succeeded');
        expectOutsideUntouched(l);
      }
      expect(readFileSync(path.join(l.workDir, l.outside, 'wt4', 'README.md'), 'utf8')).toBe('# fixture\n');
    });

    it.each([
      ['git-clear', gitClearRunner, (p: string) => ({ path: p })],
      ['git-commit', gitCommitRunner, (p: string) => ({ path: p, message: 'pwned' })],
      ['git-tag', gitTagRunner, (p: string) => ({ path: p, tag: 'pwned' })]
    ])('%s: a path leading to a repository outside never reaches it', async (_n, runner, config) => {
      const l = layout();
      const state = outsideRepo(l);
      writeFileSync(path.join(l.outside, 'dirty.txt'), 'dirty');
      const before = state();
      for (const p of ['out', 'rel-out', `../${path.basename(l.outside)}`, l.outside, 'sub/up']) {
        await runStep(runner, config(p), { workDir: l.workDir });
        expect(state()).toBe(before);
      }
    });
  });

  describe('action settings', () => {
    const env = (ws: string) => runEnvironment({ GITHUB_WORKSPACE: ws });

    it.each(['steps-file', 'freight-file'])('%s: a link out of the workspace is refused', async (input) => {
      const l = layout();
      writeFileSync(path.join(l.outside, 'steps.yaml'), `- uses: fail # ${SECRET}\n`);
      symlinkSync(path.join(l.outside, 'steps.yaml'), path.join(l.workDir, 'steps.yaml'));
      const raw: Record<string, string> = input === 'steps-file' ? { 'steps-file': 'steps.yaml' } : { steps: '- uses: fail\n', 'freight-file': 'steps.yaml' };
      await expect(readSettings(raw, env(l.workDir))).rejects.toThrow('must be a path inside the workspace');
    });

    it.each(['out/secret.txt', '../x/secret.txt', '/etc/passwd', 'sub/up/secret.txt'])('steps-file %s is refused', async (file) => {
      const l = layout();
      await expect(readSettings({ 'steps-file': file }, env(l.workDir))).rejects.toThrow('must be a path inside the workspace');
    });

    it('steps-file: a link that stays inside the workspace is read', async () => {
      const l = layout();
      writeFileSync(path.join(l.workDir, 'real.yaml'), '- uses: fail\n');
      symlinkSync('real.yaml', path.join(l.workDir, 'steps.yaml'));
      const settings = await readSettings({ 'steps-file': 'steps.yaml' }, env(l.workDir));
      expect(settings.stepsText).toBe('- uses: fail\n');
    });
  });
});

describe('expressions never reach JavaScript internals', () => {
  const env = () => ({
    outputs: { step: { a: 1 } },
    vars: { x: 'y' },
    ctx: { stage: 's' },
    list: [1, 2],
    text: 'abc'
  });

  it.each([
    'outputs.constructor',
    'outputs.__proto__',
    'outputs.toString',
    'outputs.hasOwnProperty',
    'outputs["constructor"]',
    'vars["__proto__"]',
    'vars.valueOf',
    '{"a": 1}.__proto__',
    '{"a": 1}.constructor',
    'ctx.__defineGetter__',
    'constructor',
    '__proto__',
    'toString',
    'outputs.step.constructor'
  ])('%s is nil', (source) => {
    expect(evaluateExpression(source, env())).toBeNull();
  });

  it.each([
    'list.constructor',
    'text.constructor',
    'list["constructor"]',
    'text["__proto__"]',
    'quote.constructor',
    'quote["constructor"]("return process")()',
    'semverParse("1.2.3").constructor',
    'semverParse("1.2.3").__proto__',
    'now().constructor',
    'toString()',
    'constructor("return process")()',
    'list.map',
    'text.length'
  ])('%s is an error or nil, never a JS object or function', (source) => {
    let value: unknown;
    try {
      value = evaluateExpression(source, { ...env(), quote: (s: string) => s });
    } catch {
      return;
    }
    expect(value === null || value === undefined).toBe(true);
  });

  it('a map literal with a __proto__ key is an own key and pollutes nothing', () => {
    const value = evaluateExpression('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}', env()) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value).sort()).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });

  it('fromPairs keeps a "__proto__" key as a key, never as the prototype', () => {
    const value = evaluateExpression('fromPairs([["__proto__", {"polluted": "yes"}], ["a", 1]])', env()) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(evaluateExpression('fromPairs([["__proto__", {"polluted": "yes"}]]).polluted', env())).toBeNull();
    expect(evaluateExpression('fromPairs([["__proto__", {"polluted": "yes"}]])["__proto__"].polluted', env())).toBe('yes');
  });

  it.each(['json-parse', 'yaml-parse', 'toml-parse'])('%s: a "__proto__" key in the file is data, not a prototype', async (step) => {
    const workDir = makeTempDir();
    const files: Record<string, [string, typeof yamlParseRunner]> = {
      'json-parse': ['{"__proto__": {"polluted": "yes"}}', jsonParseRunner],
      'yaml-parse': ['__proto__:\n  polluted: "yes"\n', yamlParseRunner],
      'toml-parse': ['[__proto__]\npolluted = "yes"\n', tomlParseRunner]
    };
    const [text, runner] = files[step] as [string, typeof yamlParseRunner];
    writeFileSync(path.join(workDir, 'f'), text);
    const result = await runStep(
      runner,
      { path: 'f', outputs: [{ name: 'a', fromExpression: '__proto__.polluted' }, { name: 'b', fromExpression: 'polluted' }] },
      { workDir }
    );
    expect(result).toMatchObject({ status: 'Succeeded', output: { a: 'yes', b: null } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('templates cannot reach internals either', () => {
    expect(evaluateTemplate('${{ outputs.constructor }}', env())).toBeNull();
    expect(evaluateTemplate('${{ vars["__proto__"] }}', env())).toBeNull();
    expect(String(evaluateTemplate('x${{ outputs.toString }}', env()))).not.toMatch(/function|native/);
  });
});

describe('secrets stay out of child processes', () => {
  const names = ['INPUT_SECRETS', 'INPUT_GITHUB-TOKEN', 'ACTIONS_RUNTIME_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'GITHUB_TOKEN'];
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const name of names) {
      saved[name] = process.env[name];
      process.env[name] = `${SECRET}-${name}`;
    }
    process.env.KEEP_ME = 'kept';
  });
  afterAll(() => {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    delete process.env.KEEP_ME;
  });

  it('tools (helm, kustomize) do not inherit action inputs or runner tokens', async () => {
    const result = await runTool('/usr/bin/env', []);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain(SECRET);
    expect(result.stdout).toContain('KEEP_ME=kept');
  });

  it('git does not inherit action inputs or runner tokens', () => {
    const env = gitEnv();
    expect(JSON.stringify(env)).not.toContain(SECRET);
    expect(env.KEEP_ME).toBe('kept');
  });
});

describe('helm-template and links that lead out', () => {
  it('refuses a chart holding a symlink to a file outside the WorkDir, before running helm', async () => {
    const outside = makeTempDir('outside-');
    writeFileSync(path.join(outside, 'secret.txt'), 'top secret');
    const workDir = makeTempDir('helm-link-');
    mkdirSync(path.join(workDir, 'chart/files'), { recursive: true });
    writeFileSync(path.join(workDir, 'chart/Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 0.1.0\n');
    symlinkSync(path.join(outside, 'secret.txt'), path.join(workDir, 'chart/files/secret.txt'));
    const result = await runStep(helmTemplateRunner, { path: 'chart', releaseName: 'r', outPath: 'out.yaml' }, { workDir });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toBe('chart "chart" contains a symlink that leads outside the working directory: chart/files/secret.txt');
  });
});
