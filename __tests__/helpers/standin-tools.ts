// Stand-in kustomize/helm binaries for tests: a node script (fixtures/kustomize-build/
// standin-tool.cjs) put first on PATH under each tool's name. It logs the arguments it gets to
// calls.jsonl and answers as control-<tool>.json says, failing when the arguments differ.

import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from './step-context.js';

const STANDIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'kustomize-build', 'standin-tool.cjs');

export interface StandinTools {
  /** The directory holding the stand-ins (first on PATH while the suite runs). */
  readonly dir: string;
  /** Tell the stand-in for `tool` what to answer next, and clear the call log. */
  plan(tool: string, control: Record<string, unknown>): void;
  /** The argument lists the stand-ins were called with since the last plan. */
  calls(): string[][];
}

/** Install stand-ins for the given tools around the current test file (beforeAll/afterAll). */
export function useStandinTools(tools: string[]): StandinTools {
  const savedPath = process.env.PATH;
  let dir = '';
  beforeAll(() => {
    dir = makeTempDir('standin-tools-');
    for (const tool of tools) {
      copyFileSync(STANDIN, path.join(dir, tool));
      chmodSync(path.join(dir, tool), 0o755);
    }
    process.env.PATH = `${dir}${path.delimiter}${savedPath}`;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
  });
  return {
    get dir() {
      return dir;
    },
    plan(tool, control) {
      writeFileSync(path.join(dir, `control-${tool}.json`), JSON.stringify(control));
      writeFileSync(path.join(dir, 'calls.jsonl'), '');
    },
    calls: () =>
      readFileSync(path.join(dir, 'calls.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).args as string[])
  };
}
