import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/delete-config.json: exactly one of path and paths.
export const deleteSchema = {
  type: 'object',
  additionalProperties: false,
  oneOf: [{ required: ['path'] }, { required: ['paths'] }],
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      description: 'File or directory to delete (a glob pattern when pathsAreGlobs is true). Excludes paths.'
    },
    paths: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', minLength: 1 },
      description: 'Files or directories to delete (glob patterns when pathsAreGlobs is true). Excludes path.'
    },
    pathsAreGlobs: {
      type: 'boolean',
      default: false,
      description: 'Treat path and paths as doublestar glob patterns relative to the WorkDir.'
    },
    strict: {
      type: 'boolean',
      default: false,
      description: 'Fail when a path does not exist or a pattern matches nothing.'
    }
  }
} as const;

export type DeleteConfig = FromSchema<typeof deleteSchema>;
