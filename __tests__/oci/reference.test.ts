import { allowsPlainHTTP, contextOf, parseOCIReference, parseReference } from '../../src/oci/reference.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('parseReference (go-containerregistry semantics)', () => {
  it.each([
    ['nginx', 'index.docker.io', 'library/nginx', 'latest', undefined],
    ['nginx:1.27', 'index.docker.io', 'library/nginx', '1.27', undefined],
    ['docker.io/bitnami/redis:7', 'index.docker.io', 'bitnami/redis', '7', undefined],
    ['org/app:v1', 'index.docker.io', 'org/app', 'v1', undefined],
    ['ghcr.io/org/team/app:v1.2.3', 'ghcr.io', 'org/team/app', 'v1.2.3', undefined],
    ['localhost/app:dev', 'localhost', 'app', 'dev', undefined],
    ['localhost:5000/app', 'localhost:5000', 'app', 'latest', undefined],
    ['127.0.0.1:5000/charts/app:0.1.0', '127.0.0.1:5000', 'charts/app', '0.1.0', undefined],
    [`ghcr.io/org/app@${DIGEST}`, 'ghcr.io', 'org/app', undefined, DIGEST],
    [`ghcr.io/org/app:v1@${DIGEST}`, 'ghcr.io', 'org/app', undefined, DIGEST]
  ])('%s -> %s / %s', (text, registry, repository, tag, digest) => {
    const ref = parseReference(text);
    expect(ref).toEqual({ registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}), original: text });
    expect(contextOf(ref)).toBe(`${registry}/${repository}`);
  });

  it.each([
    ['ghcr.io/Org/app:v1', 'upper-case repository'],
    ['ghcr.io/org/app:', 'empty tag'],
    ['ghcr.io/org/app:v1:v2', 'two tags'],
    ['ghcr.io/org/app@sha256:abc', 'short digest'],
    ['ghcr.io/org/app@md5:0123', 'unsupported algorithm'],
    ['invalid::ref', 'double colon'],
    ['', 'empty']
  ])('refuses %s (%s)', (text) => {
    expect(() => parseReference(text)).toThrow(`could not parse reference: ${text}`);
  });

  it.each([
    ['oci://ghcr.io/org/charts/app:1.0.0', 'helm'],
    ['ghcr.io/org/app:1.0.0', 'image']
  ])('%s uses %s credentials', (text, credType) => {
    expect(parseOCIReference(text).credType).toBe(credType);
    expect(parseOCIReference(text).ref.original).toBe(text.replace(/^oci:\/\//, ''));
  });

  it('names the reference when it does not parse', () => {
    expect(() => parseOCIReference('oci://Bad/Ref:1')).toThrow('invalid image reference "Bad/Ref:1": could not parse reference: Bad/Ref:1');
  });
});

describe('allowsPlainHTTP (ggcr Registry.Scheme)', () => {
  it.each([
    ['localhost:5000', true],
    ['registry.localhost', true],
    ['127.0.0.1:5000', true],
    ['127.0.0.1', true],
    ['[::1]:5000', true],
    ['10.1.2.3:5000', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.10:443', true],
    ['localhost', false],
    ['ghcr.io', false],
    ['index.docker.io', false],
    ['8.8.8.8', false]
  ])('%s -> %s', (registry, expected) => {
    expect(allowsPlainHTTP(registry)).toBe(expected);
  });
});
