import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/git-merge-pr-config.json, field for field.
export const gitMergePrSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['repoURL', 'prNumber'],
  properties: {
    repoURL: { type: 'string', minLength: 1, format: 'uri', description: 'The repository.' },
    prNumber: { type: 'integer', minimum: 1, description: 'The pull request to merge.' },
    provider: {
      type: 'string',
      enum: ['azure', 'bitbucket', 'gitea', 'github', 'gitlab'],
      description: 'The Git provider; only github is supported by this action.'
    },
    insecureSkipTLSVerify: { type: 'boolean', description: 'Skip TLS verification when talking to the server.' },
    wait: { type: 'boolean', description: 'Answer Running instead of failing while the PR is not mergeable yet.' },
    pollInterval: {
      type: 'string',
      pattern: '(?:\\d+(ns|us|µs|ms|s|m|h))+',
      description: 'Suggested wait between merge attempts when wait is true (Go duration); default 10s.'
    },
    mergeMethod: { type: 'string', minLength: 1, description: 'merge, squash or rebase; default: the repository default.' }
  }
} as const;

export type GitMergePrConfig = FromSchema<typeof gitMergePrSchema>;
