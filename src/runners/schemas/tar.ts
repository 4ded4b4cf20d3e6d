import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/tar-config.json.
export const tarSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['inPath', 'outPath'],
  properties: {
    inPath: { type: 'string', minLength: 1, description: 'File or directory to archive.' },
    outPath: { type: 'string', minLength: 1, description: 'Archive file to write (replaced atomically).' },
    ignore: {
      type: 'string',
      minLength: 1,
      description: 'Multi-line .gitignore-style patterns of paths to leave out; when set they replace the default (`.git`).'
    },
    gzip: { type: 'boolean', description: 'Compress the archive with gzip.' }
  }
} as const;

export type TarConfig = FromSchema<typeof tarSchema>;
