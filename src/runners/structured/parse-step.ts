// The shared shape of json-parse, yaml-parse and toml-parse: read a file, parse it into JSON-like
// data, then evaluate each output's plain expr-lang expression with the document as environment
// (`$env` is the whole document, so a list or scalar root is reachable too).

import { compileExpression, evaluateExpression } from '../../expressions/index.js';
import type { StepResult, StepRunner } from '../../promotion/types.js';
import { readUserFile, userFile } from './files.js';

export interface ParseConfig {
  path: string;
  outputs: ReadonlyArray<{ name: string; fromExpression: string }>;
}

/** A parser turns text into data, or throws an Error whose message says why (file named). */
export type Parser = (text: string, display: string) => unknown;

/** An output value as the step's JSON output holds it. */
function jsonNative(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

/** Kargo's extractValues: one output per entry; the first expression that fails stops the step. */
export function extractOutputs(data: unknown, outputs: ParseConfig['outputs']): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  for (const { name, fromExpression } of outputs) {
    let compiled;
    try {
      compiled = compileExpression(fromExpression);
    } catch (err) {
      throw new Error(`error compiling expression ${JSON.stringify(fromExpression)}: ${(err as Error).message}`, { cause: err });
    }
    try {
      results[name] = jsonNative(evaluateExpression(compiled, data));
    } catch (err) {
      throw new Error(`error evaluating expression ${JSON.stringify(fromExpression)}: ${(err as Error).message}`, { cause: err });
    }
  }
  return results;
}

function errored(error: Error): StepResult {
  return { status: 'Errored', error };
}

export function makeParseRunner<C extends ParseConfig>(
  name: string,
  format: string,
  schema: Record<string, unknown>,
  parse: Parser
): StepRunner<C> {
  return {
    name,
    schema,
    effects: 'local',
    run: async (ctx) => {
      const { path, outputs } = ctx.config;
      let data: unknown;
      try {
        const text = await readUserFile(userFile(ctx.workDir, path), format);
        data = parse(text, path);
      } catch (err) {
        return errored(err as Error);
      }
      try {
        return { status: 'Succeeded', output: extractOutputs(data, outputs) };
      } catch (err) {
        return errored(new Error(`failed to extract outputs: ${(err as Error).message}`, { cause: err }));
      }
    }
  };
}
