import type { FromSchema } from 'json-schema-to-ts';

export const kustomizeBuildSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'outPath'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'Directory holding the kustomization.' },
    outPath: {
      type: 'string',
      minLength: 1,
      description: 'A .yaml/.yml file for one multi-document file; otherwise a directory, one file per resource.'
    },
    outputFormat: {
      type: 'string',
      enum: ['kargo', 'kustomize'],
      description: 'File naming in a directory: kargo ([ns-]kind-name.yaml) or kustomize.'
    },
    plugin: {
      type: 'object',
      additionalProperties: false,
      properties: {
        helm: {
          type: 'object',
          additionalProperties: false,
          properties: {
            apiVersions: { type: 'array', items: { type: 'string', minLength: 1 } },
            kubeVersion: { type: 'string' }
          }
        }
      }
    }
  }
} as const;

export type KustomizeBuildConfig = FromSchema<typeof kustomizeBuildSchema>;
