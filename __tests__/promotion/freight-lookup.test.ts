import { ambiguousImageRepo, findChart, findCommit, findImage, type FreightSources } from '../../src/promotion/freight-lookup.js';
import type { FreightReference } from '../../src/promotion/freight.js';

const app: FreightReference = {
  name: 'f-app',
  origin: { kind: 'Warehouse', name: 'app' },
  commits: [{ repoURL: 'https://github.com/example/app.git', id: 'abc123' }],
  images: [{ repoURL: 'ghcr.io/example/app', tag: '1.2.3' }],
  charts: [{ repoURL: 'https://charts.example.com', name: 'app', version: '0.4.0' }]
};
const base: FreightReference = {
  name: 'f-base',
  origin: { kind: 'Warehouse', name: 'base' },
  images: [{ repoURL: 'ghcr.io/example/app', tag: '9.9.9' }, { repoURL: 'ghcr.io/example/base', tag: '2.0.0' }]
};

function sources(freight: FreightReference[], warehouses: FreightSources['warehouses'] = []): FreightSources {
  return {
    freight: { items: Object.fromEntries(freight.map((f) => [`Warehouse/${f.origin.name}`, f])) },
    requests: freight.map((f) => ({ origin: f.origin })),
    warehouses
  };
}

describe('freight lookup', () => {
  it('finds a commit by normalised repo URL', () => {
    expect(findCommit(sources([app]), 'https://GitHub.com/example/app/')?.id).toBe('abc123');
  });

  it('returns undefined when no Freight carries the artifact', () => {
    expect(findImage(sources([app]), 'ghcr.io/example/other')).toBeUndefined();
  });

  it('reports an artifact carried by Freight of two origins as ambiguous', () => {
    expect(() => findImage(sources([app, base]), 'ghcr.io/example/app')).toThrow(
      'multiple requested Freight could potentially provide a container image from repository ghcr.io/example/app: please provide a Freight origin to disambiguate'
    );
  });

  it('lets an explicit origin break the ambiguity', () => {
    expect(findImage(sources([app, base]), 'ghcr.io/example/app', { kind: 'Warehouse', name: 'base' })?.tag).toBe('9.9.9');
  });

  it('consults Warehouse subscriptions when a Warehouse manifest is given', () => {
    const s = sources([app, base], [{ name: 'base', subscriptions: [{ image: { repoURL: 'ghcr.io/example/base' } }] }]);
    expect(findImage(s, 'ghcr.io/example/app')?.tag).toBe('1.2.3');
  });

  it('errors with NotFound for a chart no origin provides', () => {
    expect(() => findChart(sources([app]), 'https://charts.example.com', 'other')).toThrow(
      'chart "other" from repo https://charts.example.com not found in referenced Freight'
    );
    expect(findChart(sources([app]), 'https://charts.example.com', 'app')?.version).toBe('0.4.0');
  });

  it('finds the first image repository that two requested origins share', () => {
    expect(ambiguousImageRepo(sources([app, base]))).toBe('ghcr.io/example/app');
    expect(ambiguousImageRepo(sources([app]))).toBeUndefined();
  });
});
