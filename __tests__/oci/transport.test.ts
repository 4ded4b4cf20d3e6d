import { canonicalHeaderKey, proxyFromEnvironment, queryEscape, withQueryParams } from '../../src/oci/transport.js';

describe('canonicalHeaderKey (Go textproto)', () => {
  it.each([
    ['content-type', 'Content-Type'],
    ['X-REQUEST-ID', 'X-Request-Id'],
    ['www-authenticate', 'Www-Authenticate'],
    ['with space', 'with space']
  ])('%s -> %s', (key, expected) => {
    expect(canonicalHeaderKey(key)).toBe(expected);
  });
});

describe('query encoding (Go url.Values.Encode)', () => {
  it.each([
    ['a b', 'a+b'],
    ["!'()*", '%21%27%28%29%2A'],
    ['-_.~', '-_.~'],
    ['é/?&=', '%C3%A9%2F%3F%26%3D']
  ])('%s -> %s', (text, expected) => {
    expect(queryEscape(text)).toBe(expected);
  });

  it('re-encodes the existing query sorted by key, keeping value order per key', () => {
    const url = withQueryParams(new URL('https://x.test/p?b=2&a=1&b=1&c'), [
      { name: 'b', value: '0' },
      { name: 'A', value: 'upper' }
    ]);
    expect(url.toString()).toBe('https://x.test/p?A=upper&a=1&b=2&b=1&b=0&c=');
  });

  it('leaves the URL alone without params', () => {
    expect(withQueryParams(new URL('https://x.test/p?z=1&a=2'), []).toString()).toBe('https://x.test/p?z=1&a=2');
  });
});

describe('proxyFromEnvironment (Go httpproxy)', () => {
  const env = { HTTPS_PROXY: 'http://proxy.corp:3128', HTTP_PROXY: 'proxy.corp:8080', NO_PROXY: '.internal.example, 10.0.0.0/8,registry.local:5000,*.wild.test,plain.test' };
  it.each([
    ['https://ghcr.io/v2/', 'http://proxy.corp:3128/'],
    ['http://example.com/', 'http://proxy.corp:8080/'],
    ['https://api.internal.example/x', undefined],
    ['https://internal.example/x', 'http://proxy.corp:3128/'],
    ['http://10.1.2.3/', undefined],
    ['http://11.1.2.3/', 'http://proxy.corp:8080/'],
    ['http://registry.local:5000/v2/', undefined],
    ['http://registry.local:6000/v2/', 'http://proxy.corp:8080/'],
    ['https://a.wild.test/', undefined],
    ['https://plain.test/', undefined],
    ['https://sub.plain.test/', undefined],
    ['https://notplain.test/', 'http://proxy.corp:3128/'],
    ['http://localhost:8080/', undefined],
    ['http://127.0.0.1:8080/', undefined],
    ['http://[::1]:8080/', undefined]
  ])('%s -> %s', (target, expected) => {
    expect(proxyFromEnvironment(new URL(target), env)?.toString()).toBe(expected);
  });

  it('uses the lower-case variables and * in NO_PROXY', () => {
    expect(proxyFromEnvironment(new URL('https://a.test/'), { https_proxy: 'http://p:1' })?.toString()).toBe('http://p:1/');
    expect(proxyFromEnvironment(new URL('https://a.test/'), { https_proxy: 'http://p:1', no_proxy: '*' })).toBeUndefined();
  });
});
