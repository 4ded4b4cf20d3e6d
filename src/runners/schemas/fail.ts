import type { FromSchema } from 'json-schema-to-ts';

export const failSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    message: { type: 'string', minLength: 1, description: 'Why the promotion fails.' }
  }
} as const;

export type FailConfig = FromSchema<typeof failSchema>;
