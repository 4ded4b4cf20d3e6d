import type { FromSchema } from 'json-schema-to-ts';
import { appIdentityProperties, argoCDAppSelectorSchema, nameXorSelector } from './argocd-common.js';

const kustomizeImageUpdate = {
  type: 'object',
  description: 'Points a Kustomize image at a tag or digest.',
  additionalProperties: false,
  required: ['repoURL'],
  properties: {
    repoURL: { type: 'string', minLength: 1, description: 'Image repository.' },
    tag: { type: 'string', description: 'Tag to use; exclusive with digest.' },
    digest: { type: 'string', description: 'Digest to use; exclusive with tag.' },
    newName: { type: 'string', minLength: 1, description: 'Replacement image name.' }
  },
  oneOf: [
    { properties: { digest: { enum: [null, ''] }, tag: { enum: [null, ''] } } },
    { required: ['digest'], properties: { digest: { minLength: 1 }, tag: { enum: [null, ''] } } },
    { required: ['tag'], properties: { digest: { enum: [null, ''] }, tag: { minLength: 1 } } }
  ]
} as const;

const helmImageUpdate = {
  type: 'object',
  description: 'Sets one Helm parameter of the source.',
  additionalProperties: false,
  required: ['key', 'value'],
  properties: {
    key: { type: 'string', minLength: 1, description: 'Helm parameter name, e.g. image.tag.' },
    value: { type: 'string', description: 'Its new value.' }
  }
} as const;

const sourceUpdate = {
  type: 'object',
  description: 'An update to one source of the Application.',
  additionalProperties: false,
  required: ['repoURL'],
  properties: {
    repoURL: { type: 'string', minLength: 1, description: 'The source to update (Git: normalised compare).' },
    chart: { type: 'string', minLength: 1, description: 'Chart name, for a Helm repository source.' },
    desiredRevision: { type: 'string', minLength: 1, description: 'Revision the source must be synced to.' },
    updateTargetRevision: { type: 'boolean', description: 'Also set targetRevision to desiredRevision.' },
    helm: {
      type: 'object',
      additionalProperties: false,
      required: ['images'],
      properties: { images: { type: 'array', minItems: 1, items: helmImageUpdate } }
    },
    kustomize: {
      type: 'object',
      additionalProperties: false,
      properties: { images: { type: 'array', minItems: 1, items: kustomizeImageUpdate } }
    }
  },
  oneOf: [
    { properties: { desiredRevision: { enum: ['', null] }, updateTargetRevision: { enum: [false, null] } } },
    { required: ['desiredRevision'], properties: { desiredRevision: { minLength: 1 } } }
  ]
} as const;

export const argocdUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['apps'],
  properties: {
    apps: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...appIdentityProperties,
          sources: { type: 'array', minItems: 1, items: sourceUpdate }
        },
        oneOf: nameXorSelector
      }
    }
  }
} as const;

export interface ArgoCDSourceUpdate {
  repoURL: string;
  chart?: string;
  desiredRevision?: string;
  updateTargetRevision?: boolean;
  helm?: { images: Array<{ key: string; value: string }> };
  kustomize?: { images?: Array<{ repoURL: string; tag?: string; digest?: string; newName?: string }> };
}

export interface ArgoCDAppUpdate {
  name?: string;
  namespace?: string;
  selector?: FromSchema<typeof argoCDAppSelectorSchema>;
  sources?: ArgoCDSourceUpdate[];
}

// FromSchema cannot follow the oneOf-with-enum-null constructs Kargo uses for exclusivity, so the
// config type is spelled out beside the schema (the schema is still the one that validates).
export interface ArgocdUpdateConfig {
  apps: ArgoCDAppUpdate[];
}
