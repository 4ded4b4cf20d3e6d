import type { FromSchema } from 'json-schema-to-ts';

// Kargo's git-tag schema is draft-07 without additionalProperties: false; extra keys pass.
export const gitTagSchema = {
  type: 'object',
  required: ['path', 'tag', 'message'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'Work tree whose HEAD to tag.' },
    tag: { type: 'string', minLength: 1, description: 'Tag name.' },
    message: { type: 'string', minLength: 1, description: 'Annotation message.' },
    force: { type: 'boolean', default: false, description: 'Move an existing tag of the same name.' }
  }
} as const;

export type GitTagConfig = FromSchema<typeof gitTagSchema>;
