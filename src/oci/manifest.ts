// Image manifests and indexes as go-containerregistry models them (v1.Manifest,
// v1.IndexManifest, v1.Descriptor), and their re-serialisation exactly as Go's encoding/json
// writes those structs: fields in struct order, omitempty honoured, map keys sorted, and <, >, &
// escaped. An annotated manifest therefore gets the same bytes, hence the same digest, as Kargo
// would push.

export interface Platform {
  architecture?: string;
  os?: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}

export interface Descriptor {
  mediaType?: string;
  size?: number;
  digest?: string;
  data?: string;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

export interface ImageManifest {
  schemaVersion?: number;
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[] | null;
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

export interface IndexManifest {
  schemaVersion?: number;
  mediaType?: string;
  manifests?: Descriptor[] | null;
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

/** A JSON object whose keys keep the order they were given in (a Go struct). */
class Ordered {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

function nonEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Ordered) return true;
  if (typeof value === 'object') return Object.keys(value as object).length > 0;
  return true;
}

function sortedMap(map: Record<string, string>): Ordered {
  const keys = Object.keys(map).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Ordered(keys.map((key) => [key, map[key]]));
}

/** [name, value, omitempty] triples -> a struct. */
function struct(list: Array<[string, unknown, boolean?]>): Ordered {
  return new Ordered(list.filter(([, value, omitEmpty]) => !omitEmpty || nonEmpty(value)).map(([name, value]) => [name, value]));
}

function annotationsOf(map: Record<string, string> | undefined): Ordered | undefined {
  return map && Object.keys(map).length > 0 ? sortedMap(map) : undefined;
}

function platformStruct(p: Platform): Ordered {
  return struct([
    ['architecture', p.architecture ?? ''],
    ['os', p.os ?? ''],
    ['os.version', p['os.version'], true],
    ['os.features', p['os.features'], true],
    ['variant', p.variant, true],
    ['features', p.features, true]
  ]);
}

function descriptorStruct(d: Descriptor | undefined): Ordered {
  const desc = d ?? {};
  return struct([
    ['mediaType', desc.mediaType ?? ''],
    ['size', desc.size ?? 0],
    ['digest', desc.digest ?? ''],
    ['data', desc.data, true],
    ['urls', desc.urls, true],
    ['annotations', annotationsOf(desc.annotations), true],
    ['platform', desc.platform ? platformStruct(desc.platform) : undefined, true],
    ['artifactType', desc.artifactType, true]
  ]);
}

function descriptorList(list: Descriptor[] | null | undefined): Ordered[] | null {
  return list ? list.map(descriptorStruct) : null;
}

function encode(value: unknown): string {
  if (value instanceof Ordered) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${encode(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(encode).join(',')}]`;
  return JSON.stringify(value ?? null);
}

/** Go's json.Marshal escapes <, >, & and the JavaScript line separators. */
function goEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function marshalManifest(m: ImageManifest): Buffer {
  return Buffer.from(
    goEscape(
      encode(
        struct([
          ['schemaVersion', m.schemaVersion ?? 0],
          ['mediaType', m.mediaType, true],
          ['config', descriptorStruct(m.config)],
          ['layers', descriptorList(m.layers)],
          ['annotations', annotationsOf(m.annotations), true],
          ['subject', m.subject ? descriptorStruct(m.subject) : undefined, true],
          ['artifactType', m.artifactType, true]
        ])
      )
    )
  );
}

export function marshalIndex(m: IndexManifest): Buffer {
  return Buffer.from(
    goEscape(
      encode(
        struct([
          ['schemaVersion', m.schemaVersion ?? 0],
          ['mediaType', m.mediaType, true],
          ['manifests', descriptorList(m.manifests)],
          ['annotations', annotationsOf(m.annotations), true],
          ['subject', m.subject ? descriptorStruct(m.subject) : undefined, true],
          ['artifactType', m.artifactType, true]
        ])
      )
    )
  );
}

export function parseJSON<T>(bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  } catch (err) {
    throw new Error(`failed to parse ${what}: ${(err as Error).message}`);
  }
}
