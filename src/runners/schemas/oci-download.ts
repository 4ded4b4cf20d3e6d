import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/oci-download-config.json.

export const ociDownloadSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['imageRef', 'outPath'],
  properties: {
    imageRef: {
      type: 'string',
      minLength: 1,
      pattern: '^(oci://)?[a-zA-Z0-9._-]+(:\\d+)?(/[a-zA-Z0-9._-]+)*[@:][a-zA-Z0-9._:-]+$',
      description: 'The artifact: registry/repository:tag or registry/repository@sha256:...; oci:// selects Helm credentials.'
    },
    outPath: { type: 'string', minLength: 1, description: 'Destination file, relative to the WorkDir.' },
    allowOverwrite: { type: 'boolean', description: 'Replace an existing file at outPath.' },
    mediaType: { type: 'string', minLength: 1, description: 'Take the first layer of this media type; default: the first layer.' },
    insecureSkipTLSVerify: { type: 'boolean', description: 'Skip TLS certificate verification (not recommended).' }
  }
} as const;

export type OciDownloadConfig = FromSchema<typeof ociDownloadSchema>;
