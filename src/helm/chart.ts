// Chart metadata (Chart.yaml), lock files (Chart.lock) and the lock digest, byte-compatible with
// Helm 3.21: Chart.lock is what `helm dependency update` writes (keys sorted, `generated` quoted)
// and its digest is Helm's resolver.HashReq: sha256 over Go's json.Marshal of
// [requirements, locked], with Go's field order, omitempty rules and HTML escaping.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseDocument, stringify } from 'yaml';

export class ChartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartError';
  }
}

/** One entry of Chart.yaml's `dependencies` (Helm's chart.Dependency). */
export interface ChartDependency {
  name: string;
  version?: string;
  repository: string;
  condition?: string;
  tags?: string[];
  enabled?: boolean;
  importValues?: unknown[];
  alias?: string;
}

/** A locked dependency: what Chart.lock lists. */
export interface LockedDependency {
  name: string;
  repository: string;
  version: string;
}

export interface ChartLock {
  generated: string;
  digest: string;
  dependencies: LockedDependency[];
}

export interface ChartMetadata {
  apiVersion: string;
  name: string;
  version: string;
  dependencies: ChartDependency[];
  /** The whole parsed Chart.yaml, for callers needing other fields. */
  raw: Record<string, unknown>;
}

export const CHART_FILE = 'Chart.yaml';

/** Helm writes requirements.lock for apiVersion v1 charts, Chart.lock otherwise. */
export function lockFileName(meta: Pick<ChartMetadata, 'apiVersion'>): string {
  return meta.apiVersion === 'v1' ? 'requirements.lock' : 'Chart.lock';
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new ChartError(`${where} must be a string, got ${JSON.stringify(value)} (quote it in the YAML)`);
  }
  return value;
}

function parseDependency(value: unknown, index: number, file: string): ChartDependency {
  const where = `${file}: dependencies[${index}]`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ChartError(`${where} must be a mapping with name, version and repository`);
  }
  const entry = value as Record<string, unknown>;
  const dep: ChartDependency = {
    name: optionalString(entry.name, `${where}.name`) ?? '',
    repository: optionalString(entry.repository, `${where}.repository`) ?? ''
  };
  const version = optionalString(entry.version, `${where}.version`);
  if (version !== undefined) dep.version = version;
  const condition = optionalString(entry.condition, `${where}.condition`);
  if (condition !== undefined) dep.condition = condition;
  const alias = optionalString(entry.alias, `${where}.alias`);
  if (alias !== undefined) dep.alias = alias;
  if (entry.tags !== undefined && entry.tags !== null) {
    if (!Array.isArray(entry.tags)) throw new ChartError(`${where}.tags must be a list of strings`);
    dep.tags = entry.tags.map((t, i) => optionalString(t, `${where}.tags[${i}]`) ?? '');
  }
  if (entry.enabled !== undefined && entry.enabled !== null) {
    if (typeof entry.enabled !== 'boolean') throw new ChartError(`${where}.enabled must be true or false`);
    dep.enabled = entry.enabled;
  }
  if (entry['import-values'] !== undefined && entry['import-values'] !== null) {
    if (!Array.isArray(entry['import-values'])) throw new ChartError(`${where}.import-values must be a list`);
    dep.importValues = entry['import-values'];
  }
  return dep;
}

/** Parse Chart.yaml text. `file` names it in messages. Throws ChartError. */
export function parseChartMetadata(text: string, file = CHART_FILE): ChartMetadata {
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { uniqueKeys: false });
  if (doc.errors.length > 0) throw new ChartError(`${file} is not valid YAML: ${doc.errors[0]!.message}`);
  const raw = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ChartError(`${file} must hold a mapping (apiVersion, name, version, dependencies)`);
  }
  const data = raw as Record<string, unknown>;
  const apiVersion = optionalString(data.apiVersion, `${file}: apiVersion`) ?? '';
  const name = optionalString(data.name, `${file}: name`) ?? '';
  const version = optionalString(data.version, `${file}: version`) ?? '';
  if (!apiVersion) throw new ChartError(`${file}: apiVersion is required (v2 for Helm 3 charts)`);
  if (!name) throw new ChartError(`${file}: name is required`);
  if (!version) throw new ChartError(`${file}: version is required`);
  const rawDeps = data.dependencies ?? [];
  if (!Array.isArray(rawDeps)) throw new ChartError(`${file}: dependencies must be a list`);
  const dependencies = rawDeps.map((d, i) => parseDependency(d, i, file));
  const seen = new Set<string>();
  dependencies.forEach((dep, i) => {
    if (!dep.name) throw new ChartError(`${file}: dependencies[${i}].name is required`);
    if (dep.alias !== undefined && !/^[a-zA-Z0-9_-]+$/.test(dep.alias)) {
      throw new ChartError(`${file}: dependency ${JSON.stringify(dep.name)} has disallowed characters in the alias`);
    }
    const key = dep.alias || dep.name;
    if (seen.has(key)) throw new ChartError(`${file}: more than one dependency with name or alias ${JSON.stringify(key)}`);
    seen.add(key);
  });
  return { apiVersion, name, version, dependencies, raw: data };
}

/** Read and parse `<chartDir>/Chart.yaml`. */
export async function readChartMetadata(chartDir: string): Promise<{ text: string; metadata: ChartMetadata }> {
  const text = await fs.readFile(path.join(chartDir, CHART_FILE), 'utf8');
  return { text, metadata: parseChartMetadata(text) };
}

/** Parse a Chart.lock (or requirements.lock). Throws ChartError. */
export function parseChartLock(text: string, file = 'Chart.lock'): ChartLock {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) throw new ChartError(`${file} is not valid YAML: ${doc.errors[0]!.message}`);
  const data = (doc.toJS() ?? {}) as Record<string, unknown>;
  if (typeof data !== 'object' || Array.isArray(data)) throw new ChartError(`${file} must hold a mapping`);
  const deps = Array.isArray(data.dependencies) ? data.dependencies : [];
  return {
    generated: data.generated instanceof Date ? data.generated.toISOString() : String(data.generated ?? ''),
    digest: typeof data.digest === 'string' ? data.digest : '',
    dependencies: deps.map((d) => {
      const e = (d ?? {}) as Record<string, unknown>;
      return { name: String(e.name ?? ''), repository: String(e.repository ?? ''), version: String(e.version ?? '') };
    })
  };
}

// ---- Go-compatible JSON for the digest -------------------------------------------------------

/** A JSON string as Go's encoding/json writes it (HTML-safe: <, >, & and U+2028/9 escaped). */
export function goJSONString(s: string): string {
  return JSON.stringify(s)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function goFloat(n: number): string {
  if (!Number.isFinite(n)) throw new ChartError(`cannot encode ${n} as JSON`);
  const abs = Math.abs(n);
  // Go switches to exponent form outside [1e-6, 1e21), writing it as JavaScript does (1e-7, 1e+21).
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) return n.toExponential();
  return String(n);
}

/** Any YAML-decoded value as Go's json.Marshal writes an interface{} (maps with sorted keys). */
export function goJSON(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goJSONString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return goFloat(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return goJSONString(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(goJSON).join(',')}]`;
  if (value instanceof Map) {
    return goJSON(Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), v])));
  }
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    Buffer.compare(Buffer.from(a), Buffer.from(b))
  );
  return `{${entries.map(([k, v]) => `${goJSONString(k)}:${goJSON(v)}`).join(',')}}`;
}

function dependencyJSON(dep: ChartDependency | LockedDependency): string {
  const d = dep as ChartDependency;
  const fields = [`"name":${goJSONString(d.name)}`];
  if (d.version) fields.push(`"version":${goJSONString(d.version)}`);
  fields.push(`"repository":${goJSONString(d.repository)}`);
  if (d.condition) fields.push(`"condition":${goJSONString(d.condition)}`);
  if (d.tags && d.tags.length > 0) fields.push(`"tags":[${d.tags.map(goJSONString).join(',')}]`);
  if (d.enabled) fields.push('"enabled":true');
  if (d.importValues && d.importValues.length > 0) fields.push(`"import-values":${goJSON(d.importValues)}`);
  if (d.alias) fields.push(`"alias":${goJSONString(d.alias)}`);
  return `{${fields.join(',')}}`;
}

function listJSON(deps: Array<ChartDependency | LockedDependency> | undefined): string {
  return deps === undefined ? 'null' : `[${deps.map(dependencyJSON).join(',')}]`;
}

/** Helm's lock digest (resolver.HashReq): `sha256:<hex>` of [requirements, locked]. */
export function hashRequirements(
  requirements: ChartDependency[] | undefined,
  locked: LockedDependency[] | undefined
): string {
  const data = `[${listJSON(requirements)},${listJSON(locked)}]`;
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

// ---- Chart.lock output -----------------------------------------------------------------------

/**
 * The `generated` timestamp as Go's time.Time marshals (RFC 3339, fraction without trailing
 * zeros), in UTC. JavaScript clocks stop at milliseconds, so the fraction has at most three digits.
 */
export function formatGenerated(date: Date): string {
  const iso = date.toISOString(); // 2026-01-02T03:04:05.678Z
  return iso.replace(/\.(\d+)Z$/, (_, frac: string) => {
    const trimmed = frac.replace(/0+$/, '');
    return trimmed ? `.${trimmed}Z` : 'Z';
  });
}

/** A YAML scalar as go-yaml v2 writes a string (plain when it stays a string, else quoted). */
function yamlScalar(s: string): string {
  return stringify(s, { lineWidth: 0 }).replace(/\n$/, '');
}

/** Chart.lock text exactly as Helm writes it (sigs.k8s.io/yaml: keys sorted, 2-space lists). */
export function formatChartLock(lock: ChartLock): string {
  const lines: string[] = [];
  if (lock.dependencies.length === 0) {
    lines.push('dependencies: []');
  } else {
    lines.push('dependencies:');
    for (const dep of lock.dependencies) {
      lines.push(`- name: ${yamlScalar(dep.name)}`);
      lines.push(`  repository: ${dep.repository === '' ? '""' : yamlScalar(dep.repository)}`);
      if (dep.version) lines.push(`  version: ${yamlScalar(dep.version)}`);
    }
  }
  lines.push(`digest: ${yamlScalar(lock.digest)}`);
  // go-yaml quotes a string that would read back as a timestamp.
  lines.push(`generated: "${lock.generated}"`);
  return `${lines.join('\n')}\n`;
}
