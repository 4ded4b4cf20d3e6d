import type { FromSchema } from 'json-schema-to-ts';

export const gitClearSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'Work tree to empty (everything but .git).' }
  }
} as const;

export type GitClearConfig = FromSchema<typeof gitClearSchema>;
