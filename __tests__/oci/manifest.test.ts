import { parseChallenge } from '../../src/oci/client.js';
import { formatByteCount, parseAnnotationScopes } from '../../src/oci/copy.js';
import { marshalIndex, marshalManifest } from '../../src/oci/manifest.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

describe('marshalManifest / marshalIndex (Go encoding/json of ggcr structs)', () => {
  it('writes fields in struct order, drops empty optional fields and unknown ones, sorts and escapes', () => {
    const bytes = marshalManifest({
      annotations: { z: 'last', a: '<b>&', '': 'empty key' },
      layers: [{ digest: D2, size: 3, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', urls: [], annotations: {} }],
      config: { size: 2, digest: D1, mediaType: 'application/vnd.oci.image.config.v1+json', data: 'e30=' },
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      schemaVersion: 2,
      ...({ unknownField: true } as object)
    });
    expect(bytes.toString()).toBe(
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",' +
        `"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"${D1}","data":"e30="},` +
        `"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":3,"digest":"${D2}"}],` +
        '"annotations":{"":"empty key","a":"\\u003cb\\u003e\\u0026","z":"last"}}'
    );
  });

  it('writes null layers and manifests when absent, as Go does for nil slices', () => {
    expect(marshalManifest({ schemaVersion: 2, config: { mediaType: 'x', size: 0, digest: D1 } }).toString()).toBe(
      `{"schemaVersion":2,"config":{"mediaType":"x","size":0,"digest":"${D1}"},"layers":null}`
    );
    expect(marshalIndex({ schemaVersion: 2 }).toString()).toBe('{"schemaVersion":2,"manifests":null}');
  });

  it('writes platforms with architecture and os always, the rest when set', () => {
    const bytes = marshalIndex({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'm', size: 1, digest: D1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8', 'os.features': [] } },
        { mediaType: 'm', size: 1, digest: D2, platform: {}, artifactType: 'application/x-sbom' }
      ],
      annotations: { 'org.example': 'x' },
      subject: { mediaType: 'm', size: 1, digest: D1 }
    });
    expect(bytes.toString()).toBe(
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[' +
        `{"mediaType":"m","size":1,"digest":"${D1}","platform":{"architecture":"arm64","os":"linux","variant":"v8"}},` +
        `{"mediaType":"m","size":1,"digest":"${D2}","platform":{"architecture":"","os":""},"artifactType":"application/x-sbom"}],` +
        `"annotations":{"org.example":"x"},"subject":{"mediaType":"m","size":1,"digest":"${D1}"}}`
    );
  });
});

describe('parseAnnotationScopes', () => {
  it.each([
    [undefined, {}, {}],
    [{ a: '1' }, {}, { a: '1' }],
    [{ 'index:a': '1' }, { a: '1' }, {}],
    [{ 'manifest:a': '1' }, {}, { a: '1' }],
    [{ 'index:i': '1', 'manifest:m': '2', u: '3' }, { i: '1' }, { m: '2', u: '3' }]
  ])('%j -> index %j, manifest %j', (annotations, index, manifest) => {
    expect(parseAnnotationScopes(annotations)).toEqual({ index, manifest });
  });
});

describe('formatByteCount', () => {
  it.each([
    [0, '0 bytes'],
    [1023, '1023 bytes'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [5 * 2 ** 20, '5.0 MiB'],
    [2 ** 30, '1.0 GiB']
  ])('%i -> %s', (bytes, text) => {
    expect(formatByteCount(bytes)).toBe(text);
  });
});

describe('parseChallenge', () => {
  it.each([
    [
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/app:pull"',
      { scheme: 'bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:org/app:pull' } }
    ],
    ['Basic realm="Registry Realm"', { scheme: 'basic', params: { realm: 'Registry Realm' } }],
    ['bearer realm=https://auth.example.com/token, service=reg', { scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'reg' } }],
    ['Negotiate', { scheme: 'none', params: {} }],
    ['', { scheme: 'none', params: {} }]
  ])('%s', (header, expected) => {
    expect(parseChallenge(header)).toEqual(expected);
  });
});
