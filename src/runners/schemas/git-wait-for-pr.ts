import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/git-wait-for-pr-config.json, field for field.
export const gitWaitForPrSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['repoURL', 'prNumber'],
  properties: {
    insecureSkipTLSVerify: { type: 'boolean', description: 'Skip TLS verification when talking to the server.' },
    provider: {
      type: 'string',
      enum: ['azure', 'bitbucket', 'gitea', 'github', 'gitlab'],
      description: 'The Git provider; only github is supported by this action.'
    },
    pollInterval: {
      type: 'string',
      pattern: '(?:\\d+(ns|us|µs|ms|s|m|h))+',
      description: 'Suggested wait between polls while the PR is open (Go duration); default 30s.'
    },
    prNumber: { type: 'integer', minimum: 1, description: 'The pull request to wait for.' },
    repoURL: { type: 'string', minLength: 1, format: 'uri', description: 'The repository.' }
  }
} as const;

export type GitWaitForPrConfig = FromSchema<typeof gitWaitForPrSchema>;
