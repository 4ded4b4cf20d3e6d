import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/untar-config.json.
export const untarSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['inPath', 'outPath'],
  properties: {
    inPath: { type: 'string', minLength: 1, description: 'Tar file to extract (gzip detected from its content).' },
    outPath: { type: 'string', minLength: 1, description: 'Directory to extract into; its previous content is replaced.' },
    stripComponents: {
      type: 'integer',
      minimum: 0,
      description: 'Number of leading path components to drop from every entry.'
    },
    ignore: {
      type: 'string',
      minLength: 1,
      description: 'Multi-line .gitignore-style patterns of entries not to extract (default: `.git`).'
    }
  }
} as const;

export type UntarConfig = FromSchema<typeof untarSchema>;
