import type { FromSchema } from 'json-schema-to-ts';

export const helmTemplateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['outPath', 'path', 'releaseName'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'Chart directory.' },
    outPath: { type: 'string', minLength: 1, description: 'A .yaml/.yml file, or a directory.' },
    outLayout: { type: 'string', enum: ['helm', 'flat'], description: 'Directory layout; default helm.' },
    releaseName: { type: 'string', minLength: 1, description: 'Release name.' },
    useReleaseName: { type: 'boolean', default: false, description: 'Name the helm-layout directory after the release.' },
    namespace: { type: 'string', description: 'Release namespace; default the project.' },
    valuesFiles: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Values files, merged in order.' },
    ignoreMissingValueFiles: { type: 'boolean', default: false, description: 'Skip values files that do not exist.' },
    setValues: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'value'],
        properties: {
          key: { type: 'string', minLength: 1, description: 'Dotted key, e.g. image.tag.' },
          value: { type: 'string', description: 'The value.' },
          literal: { type: 'boolean', default: false, description: 'Use --set-literal instead of --set.' }
        }
      }
    },
    buildDependencies: { type: 'boolean', default: false, description: 'Run helm dependency build first.' },
    includeCRDs: { type: 'boolean', default: false, description: 'Include CRDs.' },
    disableHooks: { type: 'boolean', default: false, description: 'Leave hooks out.' },
    skipTests: { type: 'boolean', default: false, description: 'Leave test hooks out.' },
    kubeVersion: { type: 'string', description: 'Kubernetes version for Capabilities.KubeVersion.' },
    apiVersions: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Extra Capabilities.APIVersions.' }
  }
} as const;

export type HelmTemplateConfig = FromSchema<typeof helmTemplateSchema>;
