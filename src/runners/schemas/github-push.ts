import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/github-push-config.json, field for field.
export const githubPushSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'The worktree to push.' },
    generateTargetBranch: {
      type: 'boolean',
      description: 'Push to kargo/promotion/<promotion>; excludes targetBranch.'
    },
    targetBranch: { type: 'string', description: 'The remote branch; default: the current branch.' },
    force: { type: 'boolean', default: false, description: 'Overwrite the remote branch when behind or diverged.' },
    maxAttempts: {
      type: 'integer',
      minimum: 1,
      maximum: 2147483647,
      description: 'Attempts for retryable conditions; default 10.'
    },
    insecureSkipTLSVerify: { type: 'boolean', default: false, description: 'Skip TLS verification (GitHub Enterprise).' }
  },
  oneOf: [
    {
      properties: { generateTargetBranch: { const: true }, targetBranch: { enum: ['', null] } },
      required: ['generateTargetBranch']
    },
    {
      properties: { generateTargetBranch: { enum: [false, null] }, targetBranch: { minLength: 1 } },
      required: ['targetBranch']
    },
    {
      properties: { generateTargetBranch: { enum: [false, null] }, targetBranch: { enum: ['', null] } }
    }
  ]
} as const;

export type GithubPushConfig = FromSchema<typeof githubPushSchema>;
