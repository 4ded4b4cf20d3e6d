// Config validation: every step's config is checked against the JSON schema beside its runner,
// the way Kargo's built-in runners check theirs, and then given its type.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { TerminalError } from './errors.js';
import type { Config, JSONSchemaObject } from './types.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv) => Ajv;

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
addFormats(ajv);

const compiled = new WeakMap<JSONSchemaObject, ValidateFunction>();

function validatorFor(schema: JSONSchemaObject): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** `/images/0/tag` -> `images[0].tag`; the root is `(root)` as in Kargo's messages. */
export function fieldPath(instancePath: string): string {
  if (!instancePath) return '(root)';
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

export interface SchemaIssue {
  /** JSON pointer of the offending value, e.g. `/images/0`. */
  instancePath: string;
  message: string;
}

function describe(error: ErrorObject): SchemaIssue {
  const at = (message: string) => ({ instancePath: error.instancePath, message });
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return { instancePath: `${error.instancePath}/${extra}`, message: `unknown field '${extra}' (check its spelling)` };
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    return at(`must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  return at(error.message ?? 'is invalid');
}

/** The schema problems of config, or [] when it is valid. */
export function schemaIssues(schema: JSONSchemaObject, config: unknown): SchemaIssue[] {
  const validate = validatorFor(schema);
  if (validate(config)) return [];
  const seen = new Set<string>();
  return (validate.errors ?? []).map(describe).filter((issue) => {
    const key = `${issue.instancePath}\0${issue.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** The same problems, one line each: `images[0].tag: must be string`. */
export function schemaProblems(schema: JSONSchemaObject, config: unknown): string[] {
  return schemaIssues(schema, config).map((i) => `${fieldPath(i.instancePath)}: ${i.message}`);
}

/**
 * Kargo's ConfigToStruct plus the schema check its runners do first: returns the config typed,
 * or throws a TerminalError `invalid <kind> config: <field>: <problem>`.
 */
export function configToStruct<T>(kind: string, schema: JSONSchemaObject | undefined, config: Config): T {
  if (schema) {
    const problems = schemaProblems(schema, config);
    if (problems.length > 0) {
      throw new TerminalError(`invalid ${kind} config: ${problems.join('; ')}`);
    }
  }
  return config as T;
}
