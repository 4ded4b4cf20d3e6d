import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/toml-parse-config.json, with its output definition inlined.
export const tomlParseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'outputs'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'The path to the TOML file to be parsed.' },
    outputs: {
      type: 'array',
      minItems: 1,
      description: 'An array of outputs to extract from the TOML file.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'fromExpression'],
        properties: {
          name: { type: 'string', minLength: 1, description: 'The name of the output variable to store the result.' },
          fromExpression: {
            type: 'string',
            minLength: 1,
            description: 'The expression used to extract data from the TOML file.'
          }
        }
      }
    }
  }
} as const;

export type TomlParseConfig = FromSchema<typeof tomlParseSchema>;
