import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/yaml-merge-config.json.
export const yamlMergeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['inFiles', 'outFile'],
  properties: {
    inFiles: {
      type: 'array',
      minItems: 1,
      items: { type: 'string' },
      description: 'The YAML files to merge, in order: later files override earlier ones.'
    },
    outFile: { type: 'string', minLength: 1, description: 'The merged file to create or overwrite.' },
    ignoreMissingFiles: {
      type: 'boolean',
      default: false,
      description: 'Skip input files that do not exist instead of failing.'
    }
  }
} as const;

export type YamlMergeConfig = FromSchema<typeof yamlMergeSchema>;
