import type { FromSchema } from 'json-schema-to-ts';

export const gitCommitSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'message'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'Work tree to commit.' },
    message: { type: 'string', minLength: 1, description: 'Commit message.' },
    author: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'email'],
      deprecated: true,
      description: 'Deprecated in Kargo: author of this commit only (prefer git-clone author).',
      properties: {
        name: { type: 'string', minLength: 1 },
        email: { type: 'string', format: 'email' },
        signingKey: { type: 'string' }
      }
    }
  }
} as const;

export type GitCommitConfig = FromSchema<typeof gitCommitSchema>;
