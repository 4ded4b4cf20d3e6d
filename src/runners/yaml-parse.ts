import { parseAllDocuments, type Tags } from 'yaml';
import { makeParseRunner } from './structured/parse-step.js';
import { yamlParseSchema, type YamlParseConfig } from './schemas/yaml-parse.js';

// Kargo reads with sigs.k8s.io/yaml: YAML 1.1 scalars (yes/no/on/off are booleans, 0777 is octal),
// merge keys, timestamps kept as strings, map keys turned into strings; only the first document.
const withoutTimestamps = (tags: Tags) =>
  tags.filter((tag) => (tag as { tag?: string }).tag !== 'tag:yaml.org,2002:timestamp');

function parseYAML(text: string, display: string): unknown {
  if (text.length === 0) throw new Error(`could not parse empty YAML file: ${JSON.stringify(display)}`);
  const docs = parseAllDocuments(text, { version: '1.1', customTags: withoutTimestamps, merge: true, uniqueKeys: false });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc) return null;
  const error = doc.errors[0];
  if (error) throw new Error(`could not parse YAML file ${JSON.stringify(display)}: ${error.message.trim()}`);
  return doc.toJS({ maxAliasCount: -1 }) as unknown;
}

/** yaml-parse: reads a YAML file and sets outputs from expr-lang expressions over its content. */
export const yamlParseRunner = makeParseRunner<YamlParseConfig>('yaml-parse', 'YAML', yamlParseSchema, parseYAML);
