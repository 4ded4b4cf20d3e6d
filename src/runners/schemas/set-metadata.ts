import type { FromSchema } from 'json-schema-to-ts';

export const setMetadataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['updates'],
  properties: {
    updates: {
      type: 'array',
      minItems: 1,
      description: 'Metadata updates, applied in order.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'name', 'values'],
        properties: {
          kind: { type: 'string', enum: ['Stage', 'Freight'], description: 'Kind of resource.' },
          name: { type: 'string', minLength: 1, description: 'Name of the Stage or Freight.' },
          values: {
            type: 'object',
            minProperties: 1,
            additionalProperties: true,
            description: 'Keys to set; values of any JSON type.'
          }
        }
      }
    }
  }
} as const;

export type SetMetadataConfig = FromSchema<typeof setMetadataSchema>;
