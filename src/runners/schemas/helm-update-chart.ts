import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/helm-update-chart-config.json: the same fields and constraints, so a Kargo
// config validates unchanged.
export const helmUpdateChartSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      description: 'The umbrella chart directory (the one holding Chart.yaml), relative to the WorkDir.'
    },
    charts: {
      type: 'array',
      minItems: 1,
      description: 'Chart dependencies whose version to set before the dependencies are updated.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['repository', 'name', 'version'],
        properties: {
          repository: {
            type: 'string',
            minLength: 1,
            description: "The dependency's repository exactly as Chart.yaml has it (https://, oci:// or file://)."
          },
          name: { type: 'string', minLength: 1, description: "The dependency's name, as in Chart.yaml." },
          version: { type: 'string', minLength: 1, description: 'The version (or SemVer range) to set.' }
        }
      }
    }
  }
} as const;

export type HelmUpdateChartConfig = FromSchema<typeof helmUpdateChartSchema>;
