// Reading what users give: the steps (inline, a steps file, a Stage manifest, a PromotionTask,
// with the tasks they use) and the freight (a list, one Freight, Kargo manifests, Warehouses).
// Pure: it takes texts and returns typed values or an InputError that says what to fix.

import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { InputError } from './errors.js';
import {
  originKey,
  type FreightCollection,
  type FreightOrigin,
  type FreightReference,
  type FreightRequest,
  type Warehouse,
  type WarehouseSubscription
} from './freight.js';
import { setOwn } from './state.js';
import { parsePromotionSteps, parseVars, type PromotionStep, type PromotionTask, type Var } from './steps.js';

type Doc = Record<string, unknown>;

function isRecord(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every YAML document in text, as plain values (null for an empty one, so indexes match the
 * file's documents); a syntax error names the source and line.
 */
export function parseYamlDocuments(text: string, source: string, schema: 'core' | 'failsafe' = 'core'): unknown[] {
  const docs = parseAllDocuments(text, { prettyErrors: true, schema });
  const list = Array.isArray(docs) ? docs : [docs];
  const values: unknown[] = [];
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) {
      const where = error.linePos?.[0] ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
      throw new InputError(`${source}: invalid YAML${where}: ${error.message.split('\n')[0]}`);
    }
    values.push(doc.toJS({ maxAliasCount: 1000 }) ?? null);
  }
  return values;
}

export interface StageInfo {
  name: string;
  namespace?: string;
  requestedFreight: FreightRequest[];
}

/** A promotion as read from the steps input or file, before inflation. */
export interface PromotionDefinition {
  vars: Var[];
  steps: PromotionStep[];
  tasks: PromotionTask[];
  stage?: StageInfo;
  warehouses: Warehouse[];
  /** Vars that must get a value from the vars input (a PromotionTask's vars with no default). */
  requiredVars: string[];
}

function metadataName(doc: Doc, source: string): string {
  const metadata = doc.metadata;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    throw new InputError(`${source}: ${String(doc.kind)} has no metadata.name`);
  }
  return metadata.name;
}

function parseTask(doc: Doc, source: string, document: number): PromotionTask {
  const name = metadataName(doc, source);
  const where = `${source}: ${String(doc.kind)} "${name}" spec`;
  const spec = isRecord(doc.spec) ? doc.spec : {};
  return {
    kind: doc.kind as PromotionTask['kind'],
    name,
    vars: parseVars(spec.vars, `${where}.vars`),
    steps: parsePromotionSteps(spec.steps ?? [], `${where}.steps`, { document, path: ['spec', 'steps'] })
  };
}

function parseOrigin(raw: unknown, where: string): FreightOrigin {
  if (!isRecord(raw) || typeof raw.name !== 'string' || raw.name === '') {
    throw new InputError(`${where}: must be {kind: Warehouse, name: <warehouse>}`);
  }
  if (raw.kind !== undefined && raw.kind !== 'Warehouse') {
    throw new InputError(`${where}.kind: must be Warehouse, got ${JSON.stringify(raw.kind)}`);
  }
  return { kind: 'Warehouse', name: raw.name };
}

function parseStage(doc: Doc, source: string, document: number): { stage: StageInfo; vars: Var[]; steps: PromotionStep[] } {
  const name = metadataName(doc, source);
  const where = `${source}: Stage "${name}" spec`;
  const spec = isRecord(doc.spec) ? doc.spec : {};
  const template = isRecord(spec.promotionTemplate) && isRecord(spec.promotionTemplate.spec) ? spec.promotionTemplate.spec : {};
  const requested = Array.isArray(spec.requestedFreight) ? spec.requestedFreight : [];
  const metadata = doc.metadata as Doc;
  return {
    stage: {
      name,
      namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
      requestedFreight: requested.map((r, i) => ({
        origin: parseOrigin(isRecord(r) ? r.origin : undefined, `${where}.requestedFreight[${i}].origin`)
      }))
    },
    vars: [...parseVars(spec.vars, `${where}.vars`), ...parseVars(template.vars, `${where}.promotionTemplate.spec.vars`)],
    steps: parsePromotionSteps(template.steps ?? [], `${where}.promotionTemplate.spec.steps`, {
      document,
      path: ['spec', 'promotionTemplate', 'spec', 'steps']
    })
  };
}

function parseSubscription(raw: unknown): WarehouseSubscription {
  const sub = isRecord(raw) ? raw : {};
  const url = (v: unknown) => (isRecord(v) && typeof v.repoURL === 'string' ? v.repoURL : undefined);
  const result: WarehouseSubscription = {};
  if (url(sub.git)) result.git = { repoURL: url(sub.git) as string };
  if (url(sub.image)) result.image = { repoURL: url(sub.image) as string };
  if (url(sub.chart)) {
    const chart = sub.chart as Doc;
    result.chart = { repoURL: url(chart) as string, ...(typeof chart.name === 'string' ? { name: chart.name } : {}) };
  }
  const generic = sub.subscription ?? sub.generic;
  if (isRecord(generic) && typeof generic.name === 'string') result.subscription = { name: generic.name };
  return result;
}

function parseWarehouse(doc: Doc, source: string): Warehouse {
  const spec = isRecord(doc.spec) ? doc.spec : {};
  const subs = Array.isArray(spec.subscriptions) ? spec.subscriptions : [];
  return { name: metadataName(doc, source), subscriptions: subs.map(parseSubscription) };
}

function chooseStage(stages: ReturnType<typeof parseStage>[], wanted: string | undefined, source: string) {
  if (stages.length <= 1) return stages[0];
  const names = stages.map((s) => s.stage.name);
  const match = stages.find((s) => s.stage.name === wanted);
  if (!match) {
    const why = wanted ? `none is named "${wanted}"` : 'the `stage` input does not say which one to run';
    throw new InputError(`${source} holds ${stages.length} Stages (${names.join(', ')}) and ${why}; set the stage input to one of them`);
  }
  return match;
}

/**
 * Read a promotion from the documents of a steps input or file. `stageName` picks one Stage
 * when the file holds several.
 */
export function parsePromotionDefinition(text: string, source: string, stageName?: string): PromotionDefinition {
  const docs = parseYamlDocuments(text, source);
  const tasks: PromotionTask[] = [];
  const stages: ReturnType<typeof parseStage>[] = [];
  const warehouses: Warehouse[] = [];
  const templates: { vars: Var[]; steps: PromotionStep[] }[] = [];
  docs.forEach((doc, i) => {
    const where = docs.length > 1 ? `${source} (document ${i + 1})` : source;
    if (doc === null) return undefined;
    if (Array.isArray(doc)) return templates.push({ vars: [], steps: parsePromotionSteps(doc, 'steps', { document: i, path: [] }) });
    if (!isRecord(doc)) throw new InputError(`${where}: expected a list of steps or a mapping, got ${typeof doc}`);
    switch (doc.kind) {
      case 'PromotionTask':
      case 'ClusterPromotionTask':
        return tasks.push(parseTask(doc, where, i));
      case 'Stage':
        return stages.push(parseStage(doc, where, i));
      case 'Warehouse':
        return warehouses.push(parseWarehouse(doc, where));
      case undefined:
        if (!('steps' in doc)) throw new InputError(`${where}: a mapping needs "steps" (and may have "vars")`);
        return templates.push({
          vars: parseVars(doc.vars, 'vars'),
          steps: parsePromotionSteps(doc.steps, 'steps', { document: i, path: ['steps'] })
        });
      default:
        return undefined; // Projects and other Kargo kinds may share the file; they do not run
    }
  });
  const stage = chooseStage(stages, stageName, source);
  if (templates.length + (stage ? 1 : 0) > 1) {
    throw new InputError(`${source}: holds more than one list of steps; keep one template (or one Stage) per file`);
  }
  const chosen = stage ?? templates[0];
  if (chosen) return { vars: chosen.vars, steps: chosen.steps, tasks, stage: stage?.stage, warehouses, requiredVars: [] };
  if (tasks.length === 1) return taskAsPromotion(tasks[0] as PromotionTask, tasks, warehouses);
  if (tasks.length > 1) {
    throw new InputError(`${source}: holds ${tasks.length} tasks and no steps that use them; add a list of steps with "task:" entries`);
  }
  throw new InputError(`${source}: holds no steps`);
}

// A file holding just a PromotionTask runs the task's steps, its vars acting as global vars.
function taskAsPromotion(task: PromotionTask, tasks: PromotionTask[], warehouses: Warehouse[]): PromotionDefinition {
  const requiredVars = task.vars.filter((v) => v.value === '').map((v) => v.name);
  return { vars: task.vars, steps: task.steps, tasks, warehouses, requiredVars };
}

/** Apply the action's `vars`: replace vars of the same name, append the others. */
export function applyVarOverrides(vars: Var[], overrides: Record<string, string>): Var[] {
  const result = vars.map((v) => (Object.hasOwn(overrides, v.name) ? { name: v.name, value: overrides[v.name] as string } : v));
  for (const [name, value] of Object.entries(overrides)) {
    if (!vars.some((v) => v.name === name)) result.push({ name, value });
  }
  return result;
}

/** A PromotionTask run on its own needs a value for each var it declares without default. */
export function checkRequiredVars(definition: PromotionDefinition, overrides: Record<string, string>, source: string): void {
  const missing = definition.requiredVars.filter((name) => !Object.hasOwn(overrides, name) || !overrides[name]);
  if (missing.length > 0) {
    throw new InputError(`${source}: missing value for variable${missing.length > 1 ? 's' : ''} ${missing.map((n) => `"${n}"`).join(', ')}; give ${missing.length > 1 ? 'them' : 'it'} with the vars input`);
  }
}

export interface FreightInput {
  collection: FreightCollection;
  target?: FreightReference;
  warehouses: Warehouse[];
}

// Kargo names Freight by a hash of its contents; a Freight given without a name gets one the
// same way (equal contents, equal names).
function contentName(f: Omit<FreightReference, 'name'>): string {
  const parts = [
    originKey(f.origin),
    ...(f.commits ?? []).map((c) => `${c.repoURL}:${c.id ?? c.tag ?? ''}`),
    ...(f.images ?? []).map((i) => `${i.repoURL}:${i.tag ?? ''}@${i.digest ?? ''}`),
    ...(f.charts ?? []).map((c) => `${c.repoURL}/${c.name ?? ''}:${c.version ?? ''}`)
  ].sort();
  return createHash('sha1').update(parts.join('|')).digest('hex');
}

function listOf(raw: unknown, where: string): Doc[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new InputError(`${where}: must be a list`);
  return raw.map((entry, i) => {
    if (!isRecord(entry) || typeof entry.repoURL !== 'string' || entry.repoURL === '') {
      throw new InputError(`${where}[${i}]: must be a mapping with a repoURL`);
    }
    return entry;
  });
}

function parseFreight(doc: Doc, where: string, defaultOrigin: boolean): FreightReference {
  const metadata = isRecord(doc.metadata) ? doc.metadata : {};
  const labels = isRecord(metadata.labels) ? metadata.labels : {};
  const origin = doc.origin === undefined && defaultOrigin ? { kind: 'Warehouse' as const, name: 'default' } : parseOrigin(doc.origin, `${where}.origin`);
  const body = {
    origin,
    commits: listOf(doc.commits, `${where}.commits`) as unknown as FreightReference['commits'],
    images: listOf(doc.images, `${where}.images`) as unknown as FreightReference['images'],
    charts: listOf(doc.charts, `${where}.charts`) as unknown as FreightReference['charts'],
    artifacts: (Array.isArray(doc.artifacts) ? doc.artifacts : []) as FreightReference['artifacts']
  };
  const name = typeof doc.name === 'string' ? doc.name : typeof metadata.name === 'string' ? metadata.name : contentName(body);
  const alias = typeof doc.alias === 'string' ? doc.alias : (labels['kargo.akuity.io/alias'] as string | undefined);
  return { name, ...(alias ? { alias } : {}), ...body };
}

/** Read the freight input: a list of Freight or one, Freight manifests, Warehouse manifests. */
export function parseFreightInput(text: string, source: string): FreightInput {
  // Every Freight field is a string in Kargo: read scalars as written, so `tag: 1.10` stays "1.10".
  const docs = parseYamlDocuments(text, source, 'failsafe')
    .filter((d) => d !== null)
    .flatMap((d) => (Array.isArray(d) ? d : [d]));
  const freightDocs: Doc[] = [];
  const warehouses: Warehouse[] = [];
  docs.forEach((doc, i) => {
    const where = `${source}[${i}]`;
    if (!isRecord(doc)) throw new InputError(`${where}: each Freight must be a mapping`);
    if (doc.kind === 'Warehouse') warehouses.push(parseWarehouse(doc, where));
    else if (doc.kind === undefined || doc.kind === 'Freight') freightDocs.push(doc);
    else throw new InputError(`${where}: kind ${JSON.stringify(doc.kind)} is not Freight or Warehouse`);
  });
  const items: Record<string, FreightReference> = {};
  const freight = freightDocs.map((doc, i) => parseFreight(doc, `${source}[${i}]`, freightDocs.length === 1));
  freight.forEach((f, i) => {
    const key = originKey(f.origin);
    if (items[key]) throw new InputError(`${source}[${i}].origin: two Freight come from ${key}; a promotion sees one Freight per origin`);
    items[key] = f;
  });
  return { collection: { items }, target: freight[0], warehouses };
}

/** Parse the `vars` input: a YAML mapping of name to value. */
export function parseVarsInput(text: string): Record<string, string> {
  if (text.trim() === '') return {};
  const [doc] = parseYamlDocuments(text, 'vars');
  if (doc === undefined || doc === null) return {};
  if (!isRecord(doc)) throw new InputError('vars: must be a YAML mapping of name to value, e.g. "imageTag: 1.2.3"');
  return Object.fromEntries(
    Object.entries(doc).map(([k, v]) => [k, typeof v === 'string' ? v : v === null ? '' : JSON.stringify(v)])
  );
}

/** Parse the `secrets` input: name -> key -> value. */
export function parseSecretsInput(text: string): Record<string, Record<string, string>> {
  if (text.trim() === '') return {};
  const [doc] = parseYamlDocuments(text, 'secrets');
  if (doc === undefined || doc === null) return {};
  if (!isRecord(doc)) throw new InputError('secrets: must be a mapping of secret name to a mapping of key to value');
  const secrets: Record<string, Record<string, string>> = {};
  for (const [name, data] of Object.entries(doc)) {
    if (!isRecord(data)) throw new InputError(`secrets.${name}: must be a mapping of key to value`);
    setOwn(secrets, name, Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])));
  }
  return secrets;
}
