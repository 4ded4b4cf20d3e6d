import type { FromSchema } from 'json-schema-to-ts';
import { appIdentityProperties, argoCDAppSelectorSchema, nameXorSelector } from './argocd-common.js';

export const WAIT_FOR_VALUES = ['health', 'sync', 'operation', 'suspended', 'degraded'] as const;

export const argocdWaitSchema = {
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
          waitFor: {
            type: 'array',
            description: 'Conditions to wait for; default [health, sync, operation].',
            items: { type: 'string', enum: WAIT_FOR_VALUES },
            minItems: 1,
            uniqueItems: true
          }
        },
        oneOf: nameXorSelector
      }
    }
  }
} as const;

export type WaitFor = (typeof WAIT_FOR_VALUES)[number];

export interface ArgocdWaitConfig {
  apps: Array<{
    name?: string;
    namespace?: string;
    selector?: FromSchema<typeof argoCDAppSelectorSchema>;
    waitFor?: WaitFor[];
  }>;
}
