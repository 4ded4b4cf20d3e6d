import type { FromSchema } from 'json-schema-to-ts';

export const setFreightAliasSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'alias'],
  properties: {
    name: { type: 'string', minLength: 1, description: 'Name of the Freight to re-alias.' },
    alias: { type: 'string', minLength: 1, description: 'The new alias; unique within the project.' }
  }
} as const;

export type SetFreightAliasConfig = FromSchema<typeof setFreightAliasSchema>;
