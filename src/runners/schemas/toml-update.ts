import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/toml-update-config.json, with its `tomlUpdate` definition inlined.
export const tomlUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'updates'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'The path to a TOML file.' },
    updates: {
      type: 'array',
      minItems: 1,
      description: 'A list of updates to apply to the TOML file.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'value'],
        properties: {
          key: {
            type: 'string',
            minLength: 1,
            description: 'The key whose value needs to be updated. For nested values, use a TOML dot notation path.'
          },
          value: { description: 'The new value for the specified key.' }
        }
      }
    }
  }
} as const;

export type TomlUpdateConfig = FromSchema<typeof tomlUpdateSchema>;
