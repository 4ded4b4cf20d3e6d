// set-metadata: in Kargo, upserts keys into the status.metadata of Stages and Freight. A workflow
// has no such resources, so the values become the step's output (and, through the action, its
// `metadata` output): {metadata: {Stage: {<name>: {...}}, Freight: {<name>: {...}}}}.

import { TerminalError } from '../promotion/errors.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { setMetadataSchema, type SetMetadataConfig } from './schemas/set-metadata.js';

type MetadataByName = Record<string, Record<string, unknown>>;

export const setMetadataRunner: StepRunner<SetMetadataConfig> = {
  name: 'set-metadata',
  schema: setMetadataSchema,
  effects: 'local',
  run: async (ctx): Promise<StepResult> => {
    const metadata: { Stage: MetadataByName; Freight: MetadataByName } = { Stage: {}, Freight: {} };
    for (const update of ctx.config.updates) {
      const kind = update.kind as string;
      if (kind !== 'Stage' && kind !== 'Freight') {
        return { status: 'Failed', error: new TerminalError(`unsupported kind "${kind}"`) };
      }
      // Like Kargo's UpsertMetadata: each key is replaced whole, other keys stay.
      const target = (metadata[kind][update.name] ??= {});
      for (const [key, value] of Object.entries(update.values)) target[key] = structuredClone(value);
      ctx.logger.info(`set metadata ${Object.keys(update.values).sort().join(', ')} of ${kind} "${update.name}"`);
    }
    return { status: 'Succeeded', output: { metadata } };
  }
};
