import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/oci-push-config.json.

export const ociPushSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['srcRef', 'destRef'],
  properties: {
    srcRef: {
      type: 'string',
      minLength: 1,
      pattern: '^(oci://)?[a-zA-Z0-9._-]+(:\\d+)?(/[a-zA-Z0-9._-]+)*[@:][a-zA-Z0-9._:-]+$',
      description: 'The source image or index, by tag or digest; oci:// selects Helm credentials.'
    },
    destRef: {
      type: 'string',
      minLength: 1,
      pattern: '^(oci://)?[a-zA-Z0-9._-]+(:\\d+)?(/[a-zA-Z0-9._-]+)*[:][a-zA-Z0-9._-]+$',
      description: 'The destination, with a tag (same repository as srcRef = retag).'
    },
    annotations: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Annotations to set: index:-prefixed keys on an index, manifest:-prefixed or plain keys on image manifests.'
    },
    insecureSkipTLSVerify: { type: 'boolean', description: 'Skip TLS certificate verification (not recommended).' }
  }
} as const;

export type OciPushConfig = FromSchema<typeof ociPushSchema>;
