import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/kustomize-set-image-config.json: each image sets exactly one of tag and digest.
export const kustomizeSetImageSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'Directory holding the kustomization file.' },
    images: {
      type: 'array',
      description: 'Images to set; when omitted, every image of the Freight is set.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['image'],
        properties: {
          digest: { type: 'string', description: 'Digest to set (excludes tag); `*` keeps the current one.' },
          image: { type: 'string', minLength: 1, description: 'Image (repository) the Freight provides.' },
          name: { type: 'string', description: 'Name of the entry in the kustomization, when it differs from image.' },
          newName: { type: 'string', description: 'Replacement image name; `*` keeps the current one.' },
          tag: { type: 'string', description: 'Tag to set (excludes digest); `*` keeps the current one.' }
        },
        oneOf: [
          { required: ['tag'], properties: { digest: { enum: ['', null] }, tag: { minLength: 1 } } },
          { required: ['digest'], properties: { digest: { minLength: 1 }, tag: { enum: ['', null] } } }
        ]
      }
    }
  }
} as const;

export type KustomizeSetImageConfig = FromSchema<typeof kustomizeSetImageSchema>;
