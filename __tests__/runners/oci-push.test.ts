import { isTerminal } from '../../src/promotion/errors.js';
import type { Capabilities } from '../../src/promotion/types.js';
import { maxArtifactSize, ociPushRunner } from '../../src/runners/oci-push.js';
import {
  digestOf,
  fetchBlob,
  fetchManifest,
  OCI,
  assertRegistry,
  describeWithRegistry,
  registryCapabilities,
  seedImage,
  seedIndex,
  startRegistry,
  type SeededImage,
  type TestRegistry
} from '../helpers/oci-registry.js';
import { runStep } from '../helpers/step-context.js';

const describeRegistry = describeWithRegistry('oci-push');

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const capabilities = (secrets: Capabilities['secrets'] = {}): Capabilities => registryCapabilities(secrets);

function requireRegistry(): void {
  assertRegistry('oci-push');
}

async function withEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const previous = process.env.MAX_OCI_PUSH_ARTIFACT_SIZE;
  if (value === undefined) delete process.env.MAX_OCI_PUSH_ARTIFACT_SIZE;
  else process.env.MAX_OCI_PUSH_ARTIFACT_SIZE = value;
  try {
    return await fn();
  } finally {
    if (previous === undefined) delete process.env.MAX_OCI_PUSH_ARTIFACT_SIZE;
    else process.env.MAX_OCI_PUSH_ARTIFACT_SIZE = previous;
  }
}

function json(bytes: Buffer): Record<string, any> {
  return JSON.parse(bytes.toString('utf8')) as Record<string, any>;
}

describe('oci-push config', () => {
  it.each([
    ['srcRef missing', { destRef: 'ghcr.io/org/app:v2' }, "must have required property 'srcRef'"],
    ['destRef missing', { srcRef: 'ghcr.io/org/app:v1' }, "must have required property 'destRef'"],
    ['destRef by digest', { srcRef: 'ghcr.io/org/app:v1', destRef: `ghcr.io/org/app@sha256:${'a'.repeat(64)}` }, 'destRef: must match pattern'],
    ['destRef without tag', { srcRef: 'ghcr.io/org/app:v1', destRef: 'ghcr.io/org/app' }, 'destRef: must match pattern'],
    ['an annotation that is not a string', { srcRef: 'a.io/b:1', destRef: 'a.io/b:2', annotations: { n: 1 } }, 'annotations.n: must be string'],
    ['unknown field', { srcRef: 'a.io/b:1', destRef: 'a.io/b:2', platform: 'linux/amd64' }, "unknown field 'platform'"]
  ])('%s is an invalid config', async (_name, config, problem) => {
    const result = await runStep(ociPushRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect(message(result.error)).toContain('invalid oci-push config: ');
    expect(message(result.error)).toContain(problem);
  });

  it.each([
    ['a source the reference grammar refuses', { srcRef: 'invalid::ref', destRef: '127.0.0.1:1/app:v2' }, 'failed to parse source reference "invalid::ref": invalid image reference "invalid::ref": could not parse reference: invalid::ref'],
    ['a destination with an upper-case repository', { srcRef: '127.0.0.1:1/app:v1', destRef: '127.0.0.1:1/App:v2' }, 'failed to parse destination reference "127.0.0.1:1/App:v2": invalid image reference "127.0.0.1:1/App:v2": could not parse reference: 127.0.0.1:1/App:v2']
  ])('fails terminally on %s', async (_name, config, expected) => {
    const result = await runStep(ociPushRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect(message(result.error)).toBe(expected);
  });

  it.each([
    [undefined, 1 << 30],
    ['0', 0],
    ['-1', -1],
    ['2048', 2048]
  ])('MAX_OCI_PUSH_ARTIFACT_SIZE=%s means a limit of %i bytes', (value, expected) => {
    expect(maxArtifactSize(value === undefined ? {} : { MAX_OCI_PUSH_ARTIFACT_SIZE: value })).toBe(expected);
  });

  it('errors terminally when MAX_OCI_PUSH_ARTIFACT_SIZE is not a number', async () => {
    const result = await withEnv('1GiB', () => runStep(ociPushRunner, { srcRef: 'a.io/b:1', destRef: 'a.io/c:2' }));
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect(message(result.error)).toMatch(/^MAX_OCI_PUSH_ARTIFACT_SIZE must be a whole number of bytes/);
  });
});

describeRegistry('oci-push against a registry', () => {
  let registry: TestRegistry;
  let other: TestRegistry;
  let image: SeededImage;
  let docker: SeededImage;
  let index: { digest: string; size: number; bytes: Buffer };
  let amd64: SeededImage;
  let arm64: SeededImage;

  beforeAll(async () => {
    requireRegistry();
    [registry, other] = await Promise.all([startRegistry(), startRegistry()]);
    image = await seedImage(registry, 'team/app', 'v1.0.0', {
      layers: [{ content: 'layer one' }, { content: 'layer two' }],
      annotations: { existing: 'annotation' }
    });
    docker = await seedImage(registry, 'team/docker', 'v1', {
      mediaType: OCI.dockerManifest,
      configMediaType: OCI.dockerConfig,
      layers: [{ content: 'docker layer', mediaType: OCI.dockerLayer }]
    });
    amd64 = await seedImage(registry, 'team/multi', undefined, { layers: [{ content: 'amd64' }], platform: 'linux/amd64' });
    arm64 = await seedImage(registry, 'team/multi', undefined, { layers: [{ content: 'arm64' }], platform: 'linux/arm64' });
    index = await seedIndex(
      registry,
      'team/multi',
      'v1',
      [
        { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
        { image: arm64, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }
      ],
      { annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' } }
    );
  });

  afterAll(async () => {
    await Promise.all([registry?.stop(), other?.stop()]);
  });

  it('retags an image in its own repository, bytes and digest unchanged', async () => {
    const result = await runStep(ociPushRunner, { srcRef: `${registry.host}/team/app:v1.0.0`, destRef: `${registry.host}/team/app:v2.0.0` });
    expect(result).toEqual({
      status: 'Succeeded',
      output: { image: `${registry.host}/team/app:v2.0.0`, digest: image.digest, tag: 'v2.0.0' }
    });
    const pushed = await fetchManifest(registry, 'team/app', 'v2.0.0');
    expect(pushed.bytes).toEqual(image.bytes);
    expect(pushed.mediaType).toBe(OCI.manifest);
  });

  it('pushes an image given by digest', async () => {
    const result = await runStep(ociPushRunner, { srcRef: `${registry.host}/team/app@${image.digest}`, destRef: `${registry.host}/team/app:pinned` });
    expect(result.status).toBe('Succeeded');
    expect(result.output).toEqual({ image: `${registry.host}/team/app:pinned`, digest: image.digest, tag: 'pinned' });
  });

  it('pushes again idempotently', async () => {
    for (let i = 0; i < 2; i++) {
      const result = await runStep(ociPushRunner, { srcRef: `${registry.host}/team/app:v1.0.0`, destRef: `${registry.host}/team/app:again` });
      expect(result.status).toBe('Succeeded');
    }
    expect((await fetchManifest(registry, 'team/app', 'again')).digest).toBe(image.digest);
  });

  it.each([
    ['to another repository of the same registry (blobs mounted)', () => registry, 'copies/app'],
    ['to another registry (blobs streamed across)', () => other, 'mirror/app']
  ])('copies an image %s', async (_name, target, repository) => {
    const dest = target();
    const result = await runStep(ociPushRunner, { srcRef: `${registry.host}/team/app:v1.0.0`, destRef: `${dest.host}/${repository}:v1.0.0` });
    expect(result.status).toBe('Succeeded');
    expect(result.output?.digest).toBe(image.digest);
    expect((await fetchManifest(dest, repository, 'v1.0.0')).bytes).toEqual(image.bytes);
    for (const layer of image.layers) expect((await fetchBlob(dest, repository, layer.digest)).body).toEqual(layer.content);
    expect((await fetchBlob(dest, repository, image.config.digest)).status).toBe(200);
  });

  it('copies a Docker image, keeping its media type', async () => {
    const result = await runStep(ociPushRunner, { srcRef: `${registry.host}/team/docker:v1`, destRef: `${other.host}/team/docker:v1` });
    expect(result.status).toBe('Succeeded');
    const pushed = await fetchManifest(other, 'team/docker', 'v1');
    expect(pushed.mediaType).toBe(OCI.dockerManifest);
    expect(pushed.digest).toBe(docker.digest);
  });

  it('copies an image index with every child image and blob', async () => {
    const result = await runStep(ociPushRunner, { srcRef: `${registry.host}/team/multi:v1`, destRef: `${other.host}/mirror/multi:v2.0.0` });
    expect(result).toEqual({
      status: 'Succeeded',
      output: { image: `${other.host}/mirror/multi:v2.0.0`, digest: index.digest, tag: 'v2.0.0' }
    });
    expect((await fetchManifest(other, 'mirror/multi', 'v2.0.0')).bytes).toEqual(index.bytes);
    for (const child of [amd64, arm64]) {
      expect((await fetchManifest(other, 'mirror/multi', child.digest)).bytes).toEqual(child.bytes);
      expect((await fetchBlob(other, 'mirror/multi', child.layers[0]!.digest)).body).toEqual(child.layers[0]!.content);
    }
  });

  it('annotates an image manifest, serialised as Go does (same digest as Kargo), ignoring index: keys', async () => {
    const result = await runStep(ociPushRunner, {
      srcRef: `${registry.host}/team/app:v1.0.0`,
      destRef: `${registry.host}/team/app:annotated`,
      annotations: {
        'org.opencontainers.image.source': 'https://github.com/org/app?a=1&b=<2>',
        'manifest:explicit': 'yes',
        'index:ignored.key': 'no'
      }
    });
    expect(result.status).toBe('Succeeded');
    const expected =
      `{"schemaVersion":2,"mediaType":"${OCI.manifest}",` +
      `"config":{"mediaType":"${OCI.config}","size":${image.config.size},"digest":"${image.config.digest}"},` +
      `"layers":[${image.layers.map((l) => `{"mediaType":"${l.mediaType}","size":${l.size},"digest":"${l.digest}"}`).join(',')}],` +
      `"annotations":{"existing":"annotation","explicit":"yes","org.opencontainers.image.source":"https://github.com/org/app?a=1\\u0026b=\\u003c2\\u003e"}}`;
    const pushed = await fetchManifest(registry, 'team/app', 'annotated');
    expect(pushed.bytes.toString()).toBe(expected);
    expect(result.output?.digest).toBe(digestOf(expected));
    expect((await fetchManifest(registry, 'team/app', 'v1.0.0')).bytes).toEqual(image.bytes);
  });

  it('keeps existing annotations and the digest when none are given', async () => {
    const result = await runStep(ociPushRunner, { srcRef: `${registry.host}/team/app:v1.0.0`, destRef: `${registry.host}/team/app:plain`, annotations: {} });
    expect(result.output?.digest).toBe(image.digest);
    expect(json((await fetchManifest(registry, 'team/app', 'plain')).bytes).annotations).toEqual({ existing: 'annotation' });
  });

  it.each([
    ['unprefixed keys go to each child image, not the index', { 'io.kargo.test': 'true' }, {}, { 'io.kargo.test': 'true' }],
    [
      'index: keys go to the index, manifest: and unprefixed keys to the children',
      { 'index:io.kargo.index-only': 'idx', 'manifest:io.kargo.manifest-only': 'mfst', 'io.kargo.default': 'both' },
      { 'io.kargo.index-only': 'idx' },
      { 'io.kargo.manifest-only': 'mfst', 'io.kargo.default': 'both' }
    ],
    ['only index: keys leave the children untouched', { 'index:only.index': 'yes' }, { 'only.index': 'yes' }, {}]
  ])('annotates an index: %s', async (_name, annotations, onIndex, onChildren) => {
    const tag = `scoped-${Object.keys(annotations).length}-${Object.keys(onIndex).length}`;
    const result = await runStep(ociPushRunner, { srcRef: `${registry.host}/team/multi:v1`, destRef: `${registry.host}/team/multi:${tag}`, annotations });
    expect(result.status).toBe('Succeeded');
    const pushed = await fetchManifest(registry, 'team/multi', tag);
    expect(result.output?.digest).toBe(pushed.digest);
    const pushedIndex = json(pushed.bytes);
    expect(pushedIndex.annotations).toEqual({ 'org.opencontainers.image.created': '2026-01-01T00:00:00Z', ...onIndex });
    expect(pushedIndex.manifests.map((m: any) => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux', variant: 'v8' }
    ]);
    const originals = [amd64, arm64];
    for (const [i, descriptor] of (pushedIndex.manifests as any[]).entries()) {
      const child = await fetchManifest(registry, 'team/multi', descriptor.digest);
      expect(child.status).toBe(200);
      expect(child.bytes.length).toBe(descriptor.size);
      const childAnnotations = json(child.bytes).annotations;
      if (Object.keys(onChildren).length === 0) {
        expect(descriptor.digest).toBe(originals[i]!.digest);
        expect(childAnnotations).toBeUndefined();
      } else {
        expect(childAnnotations).toEqual(onChildren);
      }
    }
  });

  it('errors (retryable) when the source does not exist', async () => {
    const result = await runStep(ociPushRunner, { srcRef: `${registry.host}/team/app:nope`, destRef: `${registry.host}/team/app:v9` });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect(message(result.error)).toMatch(
      new RegExp(`^failed to get source artifact "${registry.host}/team/app:nope": GET http://${registry.host}/v2/team/app/manifests/nope: MANIFEST_UNKNOWN: manifest unknown`)
    );
  });

  it.each([
    ['an image over the limit', '/team/app:v1.0.0', () => image.config.size + image.layers[0]!.size + image.layers[1]!.size - 1],
    ['an index over the limit', '/team/multi:v1', () => amd64.config.size + amd64.layers[0]!.size + arm64.config.size + arm64.layers[0]!.size - 1]
  ])('refuses (terminal) %s of MAX_OCI_PUSH_ARTIFACT_SIZE across repositories', async (_name, src, limit) => {
    const max = limit();
    const result = await withEnv(String(max), () =>
      runStep(ociPushRunner, { srcRef: `${registry.host}${src}`, destRef: `${registry.host}/limited/copy:v1` })
    );
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect(message(result.error)).toBe(`compressed artifact size ${max + 1} bytes exceeds maximum allowed size of ${max} bytes`);
    expect((await fetchManifest(registry, 'limited/copy', 'v1')).status).toBe(404);
  });

  it('with MAX_OCI_PUSH_ARTIFACT_SIZE=0 refuses cross-repository pushes but still retags', async () => {
    const cross = await withEnv('0', () => runStep(ociPushRunner, { srcRef: `${registry.host}/team/app:v1.0.0`, destRef: `${registry.host}/elsewhere/app:v1` }));
    expect(cross.status).toBe('Errored');
    expect(isTerminal(cross.error)).toBe(true);
    expect(message(cross.error)).toBe('cross-repository push is disabled');
    const retag = await withEnv('0', () => runStep(ociPushRunner, { srcRef: `${registry.host}/team/app:v1.0.0`, destRef: `${registry.host}/team/app:retagged` }));
    expect(retag.status).toBe('Succeeded');
  });

  it('with MAX_OCI_PUSH_ARTIFACT_SIZE=-1 copies without a limit', async () => {
    const result = await withEnv('-1', () => runStep(ociPushRunner, { srcRef: `${registry.host}/team/multi:v1`, destRef: `${registry.host}/unlimited/multi:v1` }));
    expect(result.status).toBe('Succeeded');
  });
});

describeRegistry('oci-push credentials', () => {
  let basic: TestRegistry;
  let token: TestRegistry;
  let image: SeededImage;
  const users = { robot: 'robot-password' };
  const creds = (repoURL: string, name = 'creds', type?: string) => ({
    [name]: {
      repoURL,
      username: 'robot',
      password: 'robot-password',
      ...(type ? { type } : {}),
      ...(repoURL.startsWith('^') ? { repoURLIsRegex: 'true' } : {})
    }
  });

  beforeAll(async () => {
    requireRegistry();
    [basic, token] = await Promise.all([startRegistry({ auth: 'htpasswd', users }), startRegistry({ auth: 'token', users })]);
    image = await seedImage(basic, 'team/app', 'v1', { layers: [{ content: 'private layer' }] });
    await seedImage(token, 'team/src', 'v1', { layers: [{ content: 'token layer' }] });
  });

  afterAll(async () => {
    await Promise.all([basic?.stop(), token?.stop()]);
  });

  it('copies between registries with the credentials of each', async () => {
    token.tokenScopes.length = 0;
    const result = await runStep(
      ociPushRunner,
      { srcRef: `${basic.host}/team/app:v1`, destRef: `${token.host}/team/app:v1` },
      { capabilities: capabilities({ ...creds(`${basic.host}/team/app`, 'a'), ...creds(`${token.host}/team/app`, 'b') }) }
    );
    expect(result.status).toBe('Succeeded');
    expect((await fetchManifest(token, 'team/app', 'v1')).digest).toBe(image.digest);
    expect(token.tokenScopes).toEqual([['repository:team/app:push,pull']]);
  });

  it('asks for pull access to the source repository when mounting within one registry', async () => {
    token.tokenScopes.length = 0;
    const result = await runStep(
      ociPushRunner,
      { srcRef: `oci://${token.host}/team/src:v1`, destRef: `oci://${token.host}/team/dst:v1` },
      { capabilities: capabilities(creds(`^oci://${token.host.replace(/\./g, '\\.')}/team/.*`, 'all', 'helm')) }
    );
    expect(result.status).toBe('Succeeded');
    expect(token.tokenScopes).toEqual([['repository:team/src:pull'], ['repository:team/dst:push,pull', 'repository:team/src:pull']]);
  });

  it.each([
    ['no credentials for the source', () => ({}), /^failed to get source artifact .*UNAUTHORIZED: authentication required/],
    [
      'no credentials for the destination',
      () => creds(`${basic.host}/team/app`),
      /^failed to push image to ".*\/team\/denied:v1": HEAD .*: unexpected status code 401 Unauthorized/
    ]
  ])('errors (retryable) with %s', async (_name, secrets, pattern) => {
    const result = await runStep(
      ociPushRunner,
      { srcRef: `${basic.host}/team/app:v1`, destRef: `${token.host}/team/denied:v1` },
      { capabilities: capabilities(secrets()) }
    );
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect(message(result.error)).toMatch(pattern);
    expect(message(result.error)).not.toContain('robot-password');
  });
});
