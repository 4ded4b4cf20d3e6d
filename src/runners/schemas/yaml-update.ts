import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/yaml-update-config.json, with its `yamlUpdate` definition inlined.
export const yamlUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'updates'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'The path to a YAML file.' },
    updates: {
      type: 'array',
      minItems: 1,
      description: 'A list of updates to apply to the YAML file.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'value'],
        properties: {
          key: {
            type: 'string',
            minLength: 1,
            description: 'The key whose value needs to be updated. For nested values, use a YAML dot notation path.'
          },
          value: { description: 'The new value for the specified key.' }
        }
      }
    }
  }
} as const;

export type YamlUpdateConfig = FromSchema<typeof yamlUpdateSchema>;
