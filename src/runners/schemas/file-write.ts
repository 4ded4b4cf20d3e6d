import type { FromSchema } from 'json-schema-to-ts';

export const fileWriteSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'contents'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'Destination file, relative to the WorkDir.' },
    contents: { type: 'string', description: 'The exact contents to write.' },
    permissions: {
      type: 'string',
      pattern: '^0[0-7]{3}$',
      description: 'Octal file mode; default 0600. No exec, world-write or special bits.'
    },
    overwrite: { type: 'boolean', description: 'Replace an existing file.' }
  }
} as const;

export type FileWriteConfig = FromSchema<typeof fileWriteSchema>;
