import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/copy-config.json.
export const copySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['inPath', 'outPath'],
  properties: {
    inPath: { type: 'string', minLength: 1, description: 'File or directory to copy.' },
    outPath: { type: 'string', minLength: 1, description: 'Destination file or directory.' },
    ignore: {
      type: 'string',
      minLength: 1,
      description: 'Multi-line .gitignore-style patterns of paths not to copy (`.git` is always ignored unless re-included).'
    }
  }
} as const;

export type CopyConfig = FromSchema<typeof copySchema>;
