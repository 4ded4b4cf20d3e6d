import { mkdirSync, readFileSync, statSync, chmodSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FreightCollection, FreightReference } from '../../src/promotion/freight.js';
import { isTerminal } from '../../src/promotion/errors.js';
import { kustomizeSetImageRunner } from '../../src/runners/kustomize-set-image.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'kustomize-set-image');

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

function freight(...refs: Array<[warehouse: string, images: FreightReference['images']]>): FreightCollection {
  const items: FreightCollection['items'] = {};
  for (const [warehouse, images] of refs) {
    items[`Warehouse/${warehouse}`] = { name: `f-${warehouse}`, origin: { kind: 'Warehouse', name: warehouse }, images };
  }
  return { items };
}

/** A WorkDir with `files` written; returns it. */
function setup(files: Record<string, string>): string {
  const workDir = makeTempDir('kargo-kustomize-');
  for (const [rel, contents] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(workDir, rel)), { recursive: true });
    writeFileSync(path.join(workDir, rel), contents);
  }
  return workDir;
}

const COMMENTED = fixture('commented.yaml');
/** commented.yaml with its images section replaced. */
function commentedWith(images: string): string {
  const start = COMMENTED.indexOf('images:\n');
  const end = COMMENTED.indexOf('patches:');
  return COMMENTED.slice(0, start) + images + COMMENTED.slice(end);
}

interface Case {
  name: string;
  file?: string;
  src: string;
  config: Record<string, unknown>;
  freight?: FreightCollection;
  expected: string;
  commitMessage?: string;
}

describe('kustomize-set-image', () => {
  it.each<Case>([
    {
      name: 'sets a tag, keeping quotes, comments and layout',
      src: COMMENTED,
      config: { path: 'overlays/prod', images: [{ image: 'nginx', tag: '1.21.0' }] },
      expected: COMMENTED.replace('newTag: "1.19.0"', 'newTag: "1.21.0"'),
      commitMessage:
        'Updated overlays/prod to use new images\n\n- envoy@sha256:0000\n- nginx:1.21.0\n- registry.example.com/redis:6.0.5'
    },
    {
      name: 'sets a digest, which replaces the tag',
      src: COMMENTED,
      config: { path: 'overlays/prod', images: [{ image: 'nginx', digest: 'sha256:abc', tag: '' }] },
      expected: COMMENTED.replace('newTag: "1.19.0"', 'digest: sha256:abc'),
      commitMessage:
        'Updated overlays/prod to use new images\n\n- envoy@sha256:0000\n- nginx@sha256:abc\n- registry.example.com/redis:6.0.5'
    },
    {
      name: 'drops a newName the target does not keep (Kargo replaces the entry)',
      src: COMMENTED,
      config: { path: 'overlays/prod', images: [{ image: 'redis', tag: '7.2.4' }] },
      expected: COMMENTED.replace("      newName: 'registry.example.com/redis'\n", '').replace('6.0.5   # LTS', '7.2.4   # LTS'),
      commitMessage: 'Updated overlays/prod to use new images\n\n- envoy@sha256:0000\n- nginx:1.19.0\n- redis:7.2.4'
    },
    {
      name: 'keeps the current newName with newName *',
      src: COMMENTED,
      config: { path: 'overlays/prod', images: [{ image: 'redis', newName: '*', tag: '7.2.4' }] },
      expected: COMMENTED.replace('6.0.5   # LTS', '7.2.4   # LTS'),
      commitMessage:
        'Updated overlays/prod to use new images\n\n- envoy@sha256:0000\n- nginx:1.19.0\n- registry.example.com/redis:7.2.4'
    },
    {
      name: 'keeps the current tag with tag * while renaming (single quotes kept)',
      src: COMMENTED,
      config: { path: 'overlays/prod', images: [{ image: 'redis', newName: 'mirror.example.com/redis', tag: '*' }] },
      expected: COMMENTED.replace("'registry.example.com/redis'", "'mirror.example.com/redis'"),
      commitMessage:
        'Updated overlays/prod to use new images\n\n- envoy@sha256:0000\n- nginx:1.19.0\n- mirror.example.com/redis:6.0.5'
    },
    {
      name: 'keeps the current digest with digest * and adds a tag field after it',
      src: COMMENTED,
      config: { path: 'overlays/prod', images: [{ image: 'envoy', digest: '*', newName: 'envoyproxy/envoy' }] },
      expected: COMMENTED.replace('    - name: envoy\n', '    - name: envoy\n      newName: envoyproxy/envoy\n'),
      commitMessage:
        'Updated overlays/prod to use new images\n\n- envoyproxy/envoy@sha256:0000\n- nginx:1.19.0\n- registry.example.com/redis:6.0.5'
    },
    {
      name: 'matches the entry by name when it differs from the image',
      src: COMMENTED,
      config: { path: 'overlays/prod', images: [{ image: 'docker.io/library/nginx', name: 'nginx', tag: '1.27' }] },
      expected: COMMENTED.replace('newTag: "1.19.0"', 'newTag: "1.27"'),
      commitMessage:
        'Updated overlays/prod to use new images\n\n- envoy@sha256:0000\n- nginx:1.27\n- registry.example.com/redis:6.0.5'
    },
    {
      name: 'adds new entries in name order, in the file’s indentation, quoting what needs it',
      src: COMMENTED,
      config: {
        path: 'overlays/prod',
        images: [
          { image: 'alpine', tag: '3.20' },
          { image: 'postgres', newName: 'ghcr.io/acme/pg', digest: 'sha256:fff' }
        ]
      },
      expected: commentedWith(
        'images:\n' +
          '    - name: alpine\n' +
          '      newTag: "3.20"\n' +
          '    # sidecar: do not touch by hand\n' +
          '    - name: envoy\n' +
          '      digest: sha256:0000\n' +
          '    - name: nginx          # the web tier\n' +
          '      newTag: "1.19.0"\n' +
          '\n' +
          '    - name: postgres\n' +
          '      newName: ghcr.io/acme/pg\n' +
          '      digest: sha256:fff\n' +
          '    - name: redis\n' +
          "      newName: 'registry.example.com/redis'\n" +
          '      newTag: 6.0.5   # LTS\n' +
          '\n'
      ),
      commitMessage:
        'Updated overlays/prod to use new images\n\n- alpine:3.20\n- envoy@sha256:0000\n- nginx:1.19.0\n- ghcr.io/acme/pg@sha256:fff\n- registry.example.com/redis:6.0.5'
    },
    {
      name: 'leaves the file byte for byte when the values are already set',
      src: COMMENTED,
      config: { path: 'overlays/prod', images: [{ image: 'nginx', tag: '1.19.0' }] },
      expected: COMMENTED,
      commitMessage:
        'Updated overlays/prod to use new images\n\n- envoy@sha256:0000\n- nginx:1.19.0\n- registry.example.com/redis:6.0.5'
    },
    {
      name: 'sorts an unsorted list, comments travelling with their entries',
      src: fixture('unsorted.yaml'),
      config: { path: 'overlays/prod', images: [{ image: 'api', tag: 'v8' }] },
      expected:
        'kind: Kustomization\n' +
        'images:\n' +
        '- name: api    # backend\n' +
        '  newTag: v8\n' +
        '- {name: cache, newTag: "7"}\n' +
        '# web first, by habit\n' +
        '- name: web\n' +
        '  newTag: v1\n',
      commitMessage: 'Updated overlays/prod to use new images\n\n- api:v8\n- cache:7\n- web:v1'
    },
    {
      name: 'renders a changed flow-style entry in block style',
      src: fixture('unsorted.yaml'),
      config: { path: 'overlays/prod', images: [{ image: 'cache', tag: '7.2' }] },
      expected:
        'kind: Kustomization\n' +
        'images:\n' +
        '- name: api    # backend\n' +
        '  newTag: v7\n' +
        '- name: cache\n' +
        '  newTag: "7.2"\n' +
        '# web first, by habit\n' +
        '- name: web\n' +
        '  newTag: v1\n',
      commitMessage: 'Updated overlays/prod to use new images\n\n- api:v7\n- cache:7.2\n- web:v1'
    },
    {
      name: 'adds an images field after the last one when there is none',
      src: fixture('no-images.yaml'),
      config: { path: 'overlays/prod', images: [{ image: 'nginx', tag: '1.21.0' }] },
      expected: fixture('no-images.yaml').replace(
        '- deployment.yaml # the app\n',
        '- deployment.yaml # the app\nimages:\n- name: nginx\n  newTag: 1.21.0\n'
      ),
      commitMessage: 'Updated overlays/prod to use new image\n\n- nginx:1.21.0'
    },
    {
      name: 'edits the last entry of a file without a final newline',
      src: fixture('no-final-newline.yaml'),
      config: { path: 'overlays/prod', images: [{ image: 'nginx', digest: 'sha256:1' }] },
      expected: 'kind: Kustomization\nimages:\n  - name: nginx\n    digest: sha256:1',
      commitMessage: 'Updated overlays/prod to use new image\n\n- nginx@sha256:1'
    },
    {
      name: 'rewrites a flow-style list in block style, keeping the rest',
      src: fixture('flow.yaml'),
      config: { path: 'overlays/prod', images: [{ image: 'nginx', tag: '1.1.0' }] },
      expected:
        'kind: Kustomization\nimages:\n- name: nginx\n  newTag: 1.1.0\n- name: redis\n  digest: sha256:1\nnamePrefix: prod-\n',
      commitMessage: 'Updated overlays/prod to use new images\n\n- nginx:1.1.0\n- redis@sha256:1'
    },
    {
      name: 'fills an empty images field',
      src: fixture('null-images.yaml'),
      config: { path: 'overlays/prod', images: [{ image: 'nginx', tag: '1.21.0' }] },
      expected: 'kind: Kustomization\nimages:\n- name: nginx\n  newTag: 1.21.0\nnamespace: prod\n',
      commitMessage: 'Updated overlays/prod to use new image\n\n- nginx:1.21.0'
    },
    {
      name: 'drops unknown fields of a replaced entry only',
      src: fixture('extra-fields.yaml'),
      config: { path: 'overlays/prod', images: [{ image: 'nginx', tag: '1.1.0' }] },
      expected: 'kind: Kustomization\nimages:\n  - name: nginx\n    newTag: 1.1.0\n  - name: redis\n    newTag: 6.0.0\n    tagSuffix: -bookworm\n',
      commitMessage: 'Updated overlays/prod to use new images\n\n- nginx:1.1.0\n- redis:6.0.0'
    },
    {
      name: 'a * with no current value sets nothing (the message keeps the * as Kargo does)',
      src: 'kind: Kustomization\n',
      config: { path: 'overlays/prod', images: [{ image: 'nginx', tag: '*' }] },
      expected: 'kind: Kustomization\nimages:\n- name: nginx\n',
      commitMessage: 'Updated overlays/prod to use new image\n\n- nginx:*'
    },
    {
      name: 'keeps Windows line endings',
      src: COMMENTED.replace(/\n/g, '\r\n'),
      config: { path: 'overlays/prod', images: [{ image: 'nginx', digest: 'sha256:abc' }, { image: 'alpine', tag: '3.20' }] },
      expected: commentedWith(
        'images:\n' +
          '    - name: alpine\n' +
          '      newTag: "3.20"\n' +
          '    # sidecar: do not touch by hand\n' +
          '    - name: envoy\n' +
          '      digest: sha256:0000\n' +
          '    - name: nginx          # the web tier\n' +
          '      digest: sha256:abc\n' +
          '\n' +
          '    - name: redis\n' +
          "      newName: 'registry.example.com/redis'\n" +
          '      newTag: 6.0.5   # LTS\n' +
          '\n'
      ).replace(/\n/g, '\r\n'),
      commitMessage:
        'Updated overlays/prod to use new images\n\n- alpine:3.20\n- envoy@sha256:0000\n- nginx@sha256:abc\n- registry.example.com/redis:6.0.5'
    },
    {
      name: 'sets every image of the Freight when images is omitted',
      src: 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n',
      config: { path: 'overlays/prod' },
      freight: freight(['warehouse1', [{ repoURL: 'nginx', digest: 'sha256:123' }]], ['warehouse2', [{ repoURL: 'redis', tag: '6.2.5' }]]),
      expected:
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n- name: nginx\n  digest: sha256:123\n- name: redis\n  newTag: 6.2.5\n',
      commitMessage: 'Updated overlays/prod to use new images\n\n- nginx@sha256:123\n- redis:6.2.5'
    },
    {
      name: 'sets both tag and digest from Freight, into existing entries',
      src: COMMENTED,
      config: { path: 'overlays/prod', images: [] },
      freight: freight(['web', [{ repoURL: 'nginx', tag: '1.25.0', digest: 'sha256:beef' }]]),
      expected: COMMENTED.replace('newTag: "1.19.0"\n', 'newTag: "1.25.0"\n      digest: sha256:beef\n'),
      commitMessage:
        'Updated overlays/prod to use new images\n\n- envoy@sha256:0000\n- nginx:1.25.0@sha256:beef\n- registry.example.com/redis:6.0.5'
    },
    {
      name: 'with no Freight images and no entries, writes an empty list and no message',
      src: 'kind: Kustomization\n',
      config: { path: 'overlays/prod' },
      expected: 'kind: Kustomization\nimages: []\n'
    }
  ])('$name', async ({ src, file = 'kustomization.yaml', config, freight: collection, expected, commitMessage }) => {
    const workDir = setup({ [`overlays/prod/${file}`]: src });
    const result = await runStep(kustomizeSetImageRunner, config, { workDir, ...(collection ? { freight: collection } : {}) });
    expect(result).toEqual(commitMessage ? { status: 'Succeeded', output: { commitMessage } } : { status: 'Succeeded' });
    expect(readFileSync(path.join(workDir, 'overlays/prod', file), 'utf8')).toBe(expected);
  });

  it.each([['kustomization.yaml'], ['kustomization.yml'], ['Kustomization']])('finds %s', async (file) => {
    const workDir = setup({ [`app/${file}`]: 'kind: Kustomization\n' });
    const result = await runStep(kustomizeSetImageRunner, { path: 'app', images: [{ image: 'nginx', tag: '1' }] }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(readFileSync(path.join(workDir, 'app', file), 'utf8')).toBe('kind: Kustomization\nimages:\n- name: nginx\n  newTag: "1"\n');
  });

  it('keeps the file mode', async () => {
    const workDir = setup({ 'kustomization.yaml': 'kind: Kustomization\n' });
    chmodSync(path.join(workDir, 'kustomization.yaml'), 0o640);
    await runStep(kustomizeSetImageRunner, { path: '.', images: [{ image: 'nginx', tag: '1.21.0' }] }, { workDir });
    expect(statSync(path.join(workDir, 'kustomization.yaml')).mode & 0o777).toBe(0o640);
  });

  it('never edits a kustomization outside the WorkDir, even through a symlink', async () => {
    const parent = makeTempDir('kargo-kustomize-escape-');
    const outside = path.join(parent, 'outside');
    const workDir = path.join(parent, 'work');
    mkdirSync(outside);
    mkdirSync(workDir);
    writeFileSync(path.join(outside, 'kustomization.yaml'), 'kind: Kustomization\n');
    writeFileSync(path.join(parent, 'kustomization.yaml'), 'kind: Kustomization\n');
    symlinkSync(outside, path.join(workDir, 'overlay'));
    for (const dir of ['overlay', '..', '../outside']) {
      const result = await runStep(kustomizeSetImageRunner, { path: dir, images: [{ image: 'nginx', tag: '1' }] }, { workDir });
      expect(result.status).toBe('Errored');
      expect((result.error as Error).message).toBe(
        `could not discover kustomization file: could not find any Kustomization files in ${JSON.stringify(dir)}`
      );
    }
    expect(readFileSync(path.join(outside, 'kustomization.yaml'), 'utf8')).toBe('kind: Kustomization\n');
    expect(readFileSync(path.join(parent, 'kustomization.yaml'), 'utf8')).toBe('kind: Kustomization\n');
  });

  it.each<{ name: string; files: Record<string, string>; links?: Record<string, string>; config: Record<string, unknown>; freight?: FreightCollection; message: string }>([
    {
      name: 'no kustomization file',
      files: { 'app/deployment.yaml': 'kind: Deployment\n' },
      config: { path: 'app', images: [{ image: 'nginx', tag: '1' }] },
      message: 'could not discover kustomization file: could not find any Kustomization files in "app"'
    },
    {
      name: 'a kustomization that is a directory',
      files: { 'app/kustomization.yaml/x': '' },
      config: { path: 'app', images: [{ image: 'nginx', tag: '1' }] },
      message: 'could not discover kustomization file: could not find any Kustomization files in "app"'
    },
    {
      name: 'a kustomization that is a symlink',
      files: { 'app/real.yaml': 'kind: Kustomization\n' },
      links: { 'app/kustomization.yaml': 'real.yaml' },
      config: { path: 'app', images: [{ image: 'nginx', tag: '1' }] },
      message: 'could not discover kustomization file: could not find any Kustomization files in "app"'
    },
    {
      name: 'several kustomization files',
      files: { 'kustomization.yaml': 'kind: Kustomization\n', Kustomization: 'kind: Kustomization\n' },
      config: { path: '.', images: [{ image: 'nginx', tag: '1' }] },
      message: 'could not discover kustomization file: ambiguous result: found multiple Kustomization files in ".": [kustomization.yaml Kustomization]'
    },
    {
      name: 'YAML that does not parse',
      files: { 'kustomization.yaml': 'kind: Kustomization\nimages:\n- name: nginx\n  newTag: 1.21.0\n  - invalid\n' },
      config: { path: '.', images: [{ image: 'nginx', tag: '1' }] },
      message: 'could not unmarshal Kustomization file: A block sequence may not be used as an implicit map key at line 5, column 1:'
    },
    {
      name: 'an images field that is not a list',
      files: { 'kustomization.yaml': 'kind: Kustomization\nimages: nginx\n' },
      config: { path: '.', images: [{ image: 'nginx', tag: '1' }] },
      message: 'could not decode images field in Kustomization file: images must be a list'
    },
    {
      name: 'an image entry that is not a mapping',
      files: { 'kustomization.yaml': 'kind: Kustomization\nimages:\n- nginx:1.0\n' },
      config: { path: '.', images: [{ image: 'nginx', tag: '1' }] },
      message: 'could not decode images field in Kustomization file: images[0] must be a mapping with a name'
    },
    {
      name: 'a document that is not a mapping',
      files: { 'kustomization.yaml': '- just\n- a list\n' },
      config: { path: '.', images: [{ image: 'nginx', tag: '1' }] },
      message: 'could not decode images field in Kustomization file: the document is not a mapping'
    },
    {
      name: 'a repository in the Freight of two origins',
      files: { 'kustomization.yaml': 'kind: Kustomization\n' },
      config: { path: '.' },
      freight: freight(['warehouse1', [{ repoURL: 'nginx', tag: '1.21.0' }]], ['warehouse2', [{ repoURL: 'nginx', tag: '1.22.0' }]]),
      message:
        'manual configuration required due to ambiguous result: multiple requested Freight could potentially provide a container image from repository nginx'
    }
  ])('errors on $name', async ({ files, links = {}, config, freight: collection, message }) => {
    const workDir = setup(files);
    for (const [rel, target] of Object.entries(links)) symlinkSync(target, path.join(workDir, rel));
    const before = Object.fromEntries(Object.keys(files).map((f) => [f, readFileSync(path.join(workDir, f), 'utf8')]));
    const result = await runStep(kustomizeSetImageRunner, config, { workDir, ...(collection ? { freight: collection } : {}) });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toBe(message);
    for (const [f, contents] of Object.entries(before)) expect(readFileSync(path.join(workDir, f), 'utf8')).toBe(contents);
  });

  it.each([
    [{}, "(root): must have required property 'path'"],
    [{ path: '' }, 'path: must NOT have fewer than 1 characters'],
    [{ path: '.', images: [{}] }, "images[0]: must have required property 'image'"],
    [{ path: '.', images: [{ image: '', tag: '1' }] }, 'images[0].image: must NOT have fewer than 1 characters'],
    [{ path: '.', images: [{ image: 'nginx' }] }, 'images[0]: must match exactly one schema in oneOf'],
    [{ path: '.', images: [{ image: 'nginx', tag: '', digest: '' }] }, 'images[0]: must match exactly one schema in oneOf'],
    [{ path: '.', images: [{ image: 'nginx', tag: '1', digest: 'sha256:1' }] }, 'images[0]: must match exactly one schema in oneOf'],
    [{ path: '.', images: [{ image: 'nginx', tag: '1', useDigest: true }] }, "unknown field 'useDigest'"],
    [{ path: '.', extra: 1 }, "unknown field 'extra'"]
  ])('rejects the invalid config %j', async (config, message) => {
    const result = await runStep(kustomizeSetImageRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid kustomize-set-image config: /);
    expect((result.error as Error).message).toContain(message);
  });

  it.each([
    [{ path: '.' }],
    [{ path: '.', images: [{ image: 'a', digest: 'sha256:1', tag: '' }, { image: 'b', tag: 't', digest: '' }, { image: 'c', tag: 't', name: 'n', newName: 'x' }] }]
  ])('accepts the valid config %j', async (config) => {
    const workDir = setup({ 'kustomization.yaml': 'kind: Kustomization\n' });
    const result = await runStep(kustomizeSetImageRunner, config, { workDir });
    expect(result.status).toBe('Succeeded');
  });
});
