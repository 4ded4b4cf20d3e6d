import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/git-open-pr-config.json, field for field.
export const gitOpenPrSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['repoURL', 'targetBranch', 'sourceBranch'],
  properties: {
    createTargetBranch: { type: 'boolean', description: 'Deprecated; has no effect.' },
    insecureSkipTLSVerify: { type: 'boolean', description: 'Skip TLS verification when talking to the server.' },
    provider: {
      type: 'string',
      enum: ['azure', 'bitbucket', 'gitea', 'github', 'gitlab'],
      description: 'The Git provider; only github is supported by this action.'
    },
    repoURL: { type: 'string', minLength: 1, format: 'uri', description: 'The repository.' },
    sourceBranch: { type: 'string', minLength: 1, description: 'The branch with the changes (must exist on the remote).' },
    targetBranch: { type: 'string', minLength: 1, description: 'The branch to merge into (must exist on the remote).' },
    title: { type: 'string', minLength: 1, description: 'PR title; default: first line of the source head commit message.' },
    description: { type: 'string', minLength: 1, description: 'PR body; default: the rest of that message.' },
    labels: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Labels to add to the pull request.'
    }
  }
} as const;

export type GitOpenPrConfig = FromSchema<typeof gitOpenPrSchema>;
