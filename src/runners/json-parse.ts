import { makeParseRunner } from './structured/parse-step.js';
import { jsonParseSchema, type JsonParseConfig } from './schemas/json-parse.js';

function parseJSON(text: string, display: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`could not parse JSON file ${JSON.stringify(display)}: ${(err as Error).message}`, { cause: err });
  }
}

/** json-parse: reads a JSON file and sets outputs from expr-lang expressions over its content. */
export const jsonParseRunner = makeParseRunner<JsonParseConfig>('json-parse', 'JSON', jsonParseSchema, parseJSON);
