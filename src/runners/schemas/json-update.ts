import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/json-update-config.json, with its `jsonUpdate` definition inlined.
export const jsonUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'updates'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'The path to a JSON file.' },
    updates: {
      type: 'array',
      minItems: 1,
      description: 'A list of updates to apply to the JSON file.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'value'],
        properties: {
          key: {
            type: 'string',
            minLength: 1,
            description: 'The key whose value needs to be updated. For nested values, use a JSON dot notation path.'
          },
          value: { description: 'The new value for the specified key.' }
        }
      }
    }
  }
} as const;

export type JsonUpdateConfig = FromSchema<typeof jsonUpdateSchema>;
