import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isTerminal } from '../../src/promotion/errors.js';
import type { Capabilities } from '../../src/promotion/types.js';
import { MAX_OCI_ARTIFACT_BYTES, ociDownloadRunner } from '../../src/runners/oci-download.js';
import {
  OCI,
  assertRegistry,
  describeWithRegistry,
  registryCapabilities,
  seedBlob,
  seedImage,
  seedIndex,
  seedManifest,
  startRegistry,
  type SeededImage,
  type TestRegistry
} from '../helpers/oci-registry.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

const describeRegistry = describeWithRegistry('oci-download');

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const capabilities = (secrets: Capabilities['secrets'] = {}): Capabilities => registryCapabilities(secrets);

describe('oci-download config', () => {
  it.each([
    ['imageRef missing', { outPath: 'f' }, "must have required property 'imageRef'"],
    ['outPath missing', { imageRef: 'ghcr.io/org/app:1.0' }, "must have required property 'outPath'"],
    ['imageRef without tag or digest', { imageRef: 'ghcr.io/org/app', outPath: 'f' }, 'imageRef: must match pattern'],
    ['imageRef with a space', { imageRef: 'ghcr.io/org/my app:1', outPath: 'f' }, 'imageRef: must match pattern'],
    ['imageRef with another scheme', { imageRef: 'https://ghcr.io/org/app:1', outPath: 'f' }, 'imageRef: must match pattern'],
    ['mediaType empty', { imageRef: 'ghcr.io/org/app:1', outPath: 'f', mediaType: '' }, 'mediaType: must NOT have fewer than 1 characters'],
    ['unknown field', { imageRef: 'ghcr.io/org/app:1', outPath: 'f', platform: 'linux/arm64' }, "unknown field 'platform'"]
  ])('%s is an invalid config', async (_name, config, problem) => {
    const result = await runStep(ociDownloadRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect(message(result.error)).toContain('invalid oci-download config: ');
    expect(message(result.error)).toContain(problem);
  });

  it('refuses a reference the schema accepts but the reference grammar does not (upper-case repository)', async () => {
    const result = await runStep(ociDownloadRunner, { imageRef: '127.0.0.1:1/Charts/App:1.0', outPath: 'f' });
    expect(result.status).toBe('Errored');
    expect(message(result.error)).toBe(
      'failed to parse image reference "127.0.0.1:1/Charts/App:1.0": invalid image reference "127.0.0.1:1/Charts/App:1.0": could not parse reference: 127.0.0.1:1/Charts/App:1.0'
    );
  });
});

describeRegistry('oci-download against a registry', () => {
  let registry: TestRegistry;
  let chart: SeededImage;
  const chartBytes = Buffer.from('\x1f\x8b fake chart tarball bytes \x00\xff', 'latin1');

  beforeAll(async () => {
    assertRegistry('oci-download');
    registry = await startRegistry();
    chart = await seedImage(registry, 'charts/app', '1.0.0', {
      configMediaType: OCI.helmConfig,
      config: { name: 'app', version: '1.0.0' },
      layers: [
        { content: chartBytes, mediaType: OCI.helmChart },
        { content: 'provenance', mediaType: 'application/vnd.cncf.helm.chart.provenance.v1.prov' }
      ]
    });
    await seedImage(registry, 'charts/app', 'empty', { layers: [] });
    const amd64 = await seedImage(registry, 'images/multi', undefined, { layers: [{ content: 'amd64 layer' }], platform: 'linux/amd64' });
    const arm64 = await seedImage(registry, 'images/multi', undefined, { layers: [{ content: 'arm64 layer' }], platform: 'linux/arm64' });
    await seedIndex(registry, 'images/multi', 'v1', [
      { image: arm64, platform: { os: 'linux', architecture: 'arm64' } },
      { image: amd64, platform: { os: 'linux', architecture: 'amd64' } }
    ]);
    await seedIndex(registry, 'images/multi', 'arm-only', [{ image: arm64, platform: { os: 'linux', architecture: 'arm64' } }]);
    const big = await seedBlob(registry, 'charts/big', 'small blob, declared huge');
    const config = await seedBlob(registry, 'charts/big', '{}');
    await seedManifest(
      registry,
      'charts/big',
      '1.0.0',
      {
        schemaVersion: 2,
        mediaType: OCI.manifest,
        config: { mediaType: OCI.config, digest: config.digest, size: config.size },
        layers: [{ mediaType: OCI.layer, digest: big.digest, size: MAX_OCI_ARTIFACT_BYTES + 1 }]
      },
      OCI.manifest
    );
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it.each([
    ['by tag, the first layer', () => `${registry.host}/charts/app:1.0.0`, undefined, () => chartBytes],
    ['by digest', () => `${registry.host}/charts/app@${chart.digest}`, undefined, () => chartBytes],
    ['with the oci:// prefix of Helm charts', () => `oci://${registry.host}/charts/app:1.0.0`, undefined, () => chartBytes],
    ['the first layer of the given media type', () => `${registry.host}/charts/app:1.0.0`, 'application/vnd.cncf.helm.chart.provenance.v1.prov', () => Buffer.from('provenance')],
    ['from an index, the linux/amd64 image', () => `${registry.host}/images/multi:v1`, undefined, () => Buffer.from('amd64 layer')]
  ])('downloads %s', async (_name, imageRef, mediaType, expected) => {
    const workDir = makeTempDir();
    const config: Record<string, unknown> = { imageRef: imageRef(), outPath: 'out/chart.tgz' };
    if (mediaType) config.mediaType = mediaType;
    const result = await runStep(ociDownloadRunner, config, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    const target = path.join(workDir, 'out/chart.tgz');
    expect(readFileSync(target)).toEqual(expected());
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.join(workDir, 'out'))).toEqual(['chart.tgz']);
  });

  it('clamps a path that climbs out of the WorkDir inside it', async () => {
    const workDir = makeTempDir();
    const result = await runStep(ociDownloadRunner, { imageRef: `${registry.host}/charts/app:1.0.0`, outPath: '../../../etc/passwd' }, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    expect(readFileSync(path.join(workDir, 'etc/passwd'))).toEqual(chartBytes);
  });

  it('refuses to replace an existing file (Errored, terminal), and replaces it with allowOverwrite', async () => {
    const workDir = makeTempDir();
    writeFileSync(path.join(workDir, 'chart.tgz'), 'existing');
    const refused = await runStep(ociDownloadRunner, { imageRef: `${registry.host}/charts/app:1.0.0`, outPath: 'chart.tgz' }, { workDir });
    expect(refused.status).toBe('Errored');
    expect(isTerminal(refused.error)).toBe(true);
    expect(message(refused.error)).toBe('file already exists at chart.tgz and overwrite is not allowed; set allowOverwrite: true to replace it');
    expect(readFileSync(path.join(workDir, 'chart.tgz'), 'utf8')).toBe('existing');
    const replaced = await runStep(
      ociDownloadRunner,
      { imageRef: `${registry.host}/charts/app:1.0.0`, outPath: 'chart.tgz', allowOverwrite: true },
      { workDir }
    );
    expect(replaced).toEqual({ status: 'Succeeded' });
    expect(readFileSync(path.join(workDir, 'chart.tgz'))).toEqual(chartBytes);
  });

  it.each([
    ['an unknown tag', () => `${registry.host}/charts/app:9.9.9`, undefined, false, /^failed to resolve image ".*:9\.9\.9": GET http:\/\/127\.0\.0\.1:\d+\/v2\/charts\/app\/manifests\/9\.9\.9: MANIFEST_UNKNOWN: manifest unknown/],
    ['an unknown repository', () => `${registry.host}/nothing/here:1`, undefined, false, /^failed to resolve image ".*\/nothing\/here:1": GET .*: MANIFEST_UNKNOWN: manifest unknown; {"Tag":"1"}$/],
    ['a media type no layer has', () => `${registry.host}/charts/app:1.0.0`, 'application/x-none', false, /^failed to find target layer: no layer found with media type "application\/x-none"$/],
    ['an image without layers', () => `${registry.host}/charts/app:empty`, undefined, false, /^failed to find target layer: image has no layers$/],
    ['an index without a linux/amd64 image', () => `${registry.host}/images/multi:arm-only`, undefined, false, /^failed to resolve image ".*": no child with platform linux\/amd64 in index /],
    ['a layer larger than 100 MiB', () => `${registry.host}/charts/big:1.0.0`, undefined, true, new RegExp(`^layer size ${MAX_OCI_ARTIFACT_BYTES + 1} exceeds maximum allowed size of ${MAX_OCI_ARTIFACT_BYTES} bytes$`)],
    ['an unreachable registry', () => '127.0.0.1:1/charts/app:1.0.0', undefined, false, /^failed to resolve image "127\.0\.0\.1:1\/charts\/app:1\.0\.0": .*ECONNREFUSED/]
  ])('errors on %s', async (_name, imageRef, mediaType, terminal, pattern) => {
    const workDir = makeTempDir();
    const config: Record<string, unknown> = { imageRef: imageRef(), outPath: 'f' };
    if (mediaType) config.mediaType = mediaType;
    const result = await runStep(ociDownloadRunner, config, { workDir });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(terminal);
    expect(message(result.error)).toMatch(pattern);
    expect(readdirSync(workDir)).toEqual([]);
  });
});

describeRegistry('oci-download credentials', () => {
  let basic: TestRegistry;
  let token: TestRegistry;
  const users = { robot: 'robot-password' };

  beforeAll(async () => {
    assertRegistry('oci-download');
    [basic, token] = await Promise.all([startRegistry({ auth: 'htpasswd', users }), startRegistry({ auth: 'token', users })]);
    for (const registry of [basic, token]) {
      await seedImage(registry, 'charts/app', '1.0.0', { layers: [{ content: 'private chart', mediaType: OCI.helmChart }] });
    }
  });

  afterAll(async () => {
    await Promise.all([basic?.stop(), token?.stop()]);
  });

  const secret = (repoURL: string, extra: Record<string, string> = {}) => ({
    'registry-creds': { repoURL, username: 'robot', password: 'robot-password', ...extra }
  });

  it.each([
    ['Basic auth, image credentials', () => basic, (r: TestRegistry) => `${r.host}/charts/app:1.0.0`, (r: TestRegistry) => secret(`${r.host}/charts/app`, { type: 'image' })],
    ['Bearer tokens, image credentials', () => token, (r: TestRegistry) => `${r.host}/charts/app:1.0.0`, (r: TestRegistry) => secret(`${r.host}/charts/app`)],
    ['Bearer tokens, Helm credentials for oci://', () => token, (r: TestRegistry) => `oci://${r.host}/charts/app:1.0.0`, (r: TestRegistry) => secret(`oci://${r.host}/charts/app`, { type: 'helm' })],
    ['Basic auth, a regex credential', () => basic, (r: TestRegistry) => `${r.host}/charts/app:1.0.0`, (r: TestRegistry) => secret(`^${r.host.replace(/\./g, '\\.')}/charts/.*$`, { repoURLIsRegex: 'true' })]
  ])('authenticates with %s', async (_name, registry, imageRef, secrets) => {
    const r = registry();
    const workDir = makeTempDir();
    const result = await runStep(ociDownloadRunner, { imageRef: imageRef(r), outPath: 'chart.tgz' }, { workDir, capabilities: capabilities(secrets(r)) });
    expect(result).toEqual({ status: 'Succeeded' });
    expect(readFileSync(path.join(workDir, 'chart.tgz'), 'utf8')).toBe('private chart');
  });

  it('asks the token server for pull access to the repository only', async () => {
    token.tokenScopes.length = 0;
    const result = await runStep(
      ociDownloadRunner,
      { imageRef: `${token.host}/charts/app:1.0.0`, outPath: 'chart.tgz' },
      { capabilities: capabilities(secret(`${token.host}/charts/app`)) }
    );
    expect(result).toEqual({ status: 'Succeeded' });
    expect(token.tokenScopes).toEqual([['repository:charts/app:pull']]);
  });

  it.each([
    ['no credentials (Basic)', () => basic, () => ({}), /UNAUTHORIZED: authentication required/],
    ['no credentials (Bearer)', () => token, () => ({}), /UNAUTHORIZED: authentication required/],
    ['a wrong password (Bearer)', () => token, (r: TestRegistry) => ({ c: { repoURL: `${r.host}/charts/app`, username: 'robot', password: 'wrong' } }), /UNAUTHORIZED: invalid username or password/],
    ['Helm credentials for an image reference', () => basic, (r: TestRegistry) => secret(`${r.host}/charts/app`, { type: 'helm' }), /UNAUTHORIZED: authentication required/],
    ['image credentials for an oci:// reference', () => basic, (r: TestRegistry) => secret(`${r.host}/charts/app`, { type: 'image' }), /UNAUTHORIZED: authentication required/, 'oci://']
  ])('errors (retryable) with %s', async (_name, registry, secrets, pattern, prefix = '') => {
    const r = registry();
    const result = await runStep(
      ociDownloadRunner,
      { imageRef: `${prefix}${r.host}/charts/app:1.0.0`, outPath: 'chart.tgz' },
      { capabilities: capabilities(secrets(r) as Capabilities['secrets']) }
    );
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect(message(result.error)).toMatch(pattern);
    expect(message(result.error)).not.toContain('robot-password');
  });
});

describeRegistry('oci-download over TLS', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    assertRegistry('oci-download');
    registry = await startRegistry({ tls: true });
    await seedImage(registry, 'charts/app', '1.0.0', { layers: [{ content: 'over tls', mediaType: OCI.helmChart }] });
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it.each([
    [true, 'Succeeded'],
    [false, 'Errored']
  ])('with insecureSkipTLSVerify %s, a self-signed registry gives %s', async (insecure, status) => {
    const workDir = makeTempDir();
    const result = await runStep(
      ociDownloadRunner,
      { imageRef: `${registry.host}/charts/app:1.0.0`, outPath: 'chart.tgz', insecureSkipTLSVerify: insecure },
      { workDir }
    );
    expect(result.status).toBe(status);
    if (insecure) expect(readFileSync(path.join(workDir, 'chart.tgz'), 'utf8')).toBe('over tls');
    else {
      expect(message(result.error)).toMatch(/self[- ]signed certificate/);
      expect(existsSync(path.join(workDir, 'chart.tgz'))).toBe(false);
    }
  });
});

