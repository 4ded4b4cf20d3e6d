// Writing rendered Kubernetes manifests one resource per file, named as Kargo's kustomize-build
// and helm-template steps name them, never outside the output directory.

import path from 'node:path';
import { parseAllDocuments, parseDocument, stringify } from 'yaml';

/** Kargo's validateGeneratedResourceFilename: a plain file name, nothing that could climb out. */
export function unsafeFilenameProblem(fileName: string): string | undefined {
  if (fileName === '') return 'generated resource filename is empty';
  if (
    fileName === '.' ||
    fileName === '..' ||
    path.isAbsolute(fileName) ||
    /[\\/]/.test(fileName) ||
    path.posix.normalize(fileName) !== fileName
  ) {
    return `unsafe generated resource filename ${JSON.stringify(fileName)}`;
  }
  return undefined;
}

/**
 * Split a YAML stream as Kubernetes' YAMLReader does: a line starting with `---` followed by
 * nothing or a comment ends a document. Each document is trimmed; empty ones are dropped.
 */
export function splitYAMLDocuments(stream: string): string[] {
  const docs: string[] = [];
  let current: string[] = [];
  const flush = () => {
    const text = current.join('\n').trim();
    if (text !== '') docs.push(text);
    current = [];
  };
  for (const line of stream.split('\n')) {
    if (line.startsWith('---')) {
      const rest = line.slice(3).trim();
      if (rest === '' || rest.startsWith('#')) {
        flush();
        continue;
      }
    }
    current.push(line);
  }
  flush();
  return docs;
}

export interface ObjectMetadata {
  apiVersion: string;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

function str(value: unknown): string | undefined {
  return value === undefined || value === null ? '' : typeof value === 'string' ? value : undefined;
}

/** apiVersion, kind, namespace and name of a manifest; all empty when it does not parse as one. */
export function objectMetadata(manifest: string): ObjectMetadata {
  const empty = { apiVersion: '', group: '', version: '', kind: '', namespace: '', name: '' };
  let obj: unknown;
  try {
    const doc = parseDocument(manifest);
    if (doc.errors.length > 0) return empty;
    obj = doc.toJS();
  } catch {
    return empty;
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return empty;
  const o = obj as Record<string, unknown>;
  const meta = o.metadata && typeof o.metadata === 'object' && !Array.isArray(o.metadata) ? (o.metadata as Record<string, unknown>) : {};
  const fields = [str(o.apiVersion), str(o.kind), str(meta.namespace), str(meta.name)];
  if (fields.some((f) => f === undefined)) return empty;
  const [apiVersion, kind, namespace, name] = fields as string[];
  const parts = apiVersion.split('/');
  return {
    apiVersion,
    group: parts.length > 1 ? parts.slice(0, -1).join('/') : '',
    version: parts[parts.length - 1],
    kind,
    namespace,
    name
  };
}

/** Kargo's helm-template flat name: `[<group with . as _>-]<kind>[-<namespace>]-<name>.yaml`. */
export function helmFlatFilename(manifest: string): string {
  const { group, kind, namespace, name } = objectMetadata(manifest);
  if (kind === '' || name === '') return '';
  let fileName = kind;
  if (group !== '') fileName = `${group.replaceAll('.', '_')}-${fileName}`;
  if (namespace !== '') fileName += `-${namespace}`;
  fileName += `-${name}`;
  return `${fileName.toLowerCase()}.yaml`;
}

// Kinds that kustomize's built-in OpenAPI schema knows to be cluster-scoped.
const CLUSTER_SCOPED = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterTrustBundle',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'SelfSubjectAccessReview',
  'SelfSubjectRulesReview',
  'StorageClass',
  'SubjectAccessReview',
  'TokenReview',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment'
]);

export type KustomizeOutputFormat = 'kargo' | 'kustomize';

/** Kargo's kargo format: `[<namespace>-]<kind>-<name>.yaml`, lower-cased. */
export function kargoFilename(meta: ObjectMetadata): string {
  const base = meta.namespace !== '' ? `${meta.namespace}-${meta.kind}-${meta.name}` : `${meta.kind}-${meta.name}`;
  return `${base}.yaml`.toLowerCase();
}

/** Kargo's kustomize format: `[<namespace>_]<group>_<version>_<kind>_<name>.yaml`, empty parts left out. */
export function kustomizeFilename(meta: ObjectMetadata, multipleNamespaces: boolean): string {
  const gvk = [meta.group, meta.version, meta.kind].filter((p) => p !== '').join('_');
  const base = `${gvk.toLowerCase()}_${meta.name.toLowerCase()}.yaml`;
  return multipleNamespaces && meta.namespace !== '' ? `${meta.namespace.toLowerCase()}_${base}` : base;
}

/** One file per resource, as Kargo's kustomize-build writes them: name -> contents, in order. */
export function kustomizeResourceFiles(stream: string, format: KustomizeOutputFormat): Array<[string, string]> {
  const resources = parseAllDocuments(stream).flatMap((doc) => {
    if ('errors' in doc && doc.errors.length > 0) throw new Error(`cannot parse kustomize output: ${doc.errors[0].message}`);
    const value = doc.toJS() as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? [value as Record<string, unknown>] : [];
  });
  const withMeta = resources.map((r) => ({ r, meta: objectMetadata(stringify(r)) }));
  // Kustomize groups namespaced resources by their effective namespace ("default" when unset).
  const namespaces = new Set(
    withMeta.filter(({ meta }) => !CLUSTER_SCOPED.has(meta.kind)).map(({ meta }) => meta.namespace || 'default')
  );
  const multi = namespaces.size > 1;
  return withMeta.map(({ r, meta }) => {
    const clusterScoped = CLUSTER_SCOPED.has(meta.kind);
    const name = format === 'kustomize' ? kustomizeFilename(meta, multi && !clusterScoped) : kargoFilename(meta);
    return [name, marshalSorted(r)];
  });
}

/** The YAML sigs.k8s.io/yaml writes: keys sorted, sequences not indented, no line folding. */
export function marshalSorted(value: unknown): string {
  return stringify(value, { sortMapEntries: true, indentSeq: false, lineWidth: 0, version: '1.1' });
}
