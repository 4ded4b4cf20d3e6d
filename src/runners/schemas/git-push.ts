import type { FromSchema } from 'json-schema-to-ts';

const empty = { enum: ['', null] } as const;

export const gitPushSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'Work tree to push.' },
    targetBranch: { type: 'string', description: 'Remote branch to push to (default: the current branch).' },
    generateTargetBranch: { type: 'boolean', description: 'Push to kargo/promotion/<promotion> (forced).' },
    tag: { type: 'string', description: 'Push this tag instead of a branch.' },
    force: { type: 'boolean', default: false, description: 'Overwrite the remote branch.' },
    maxAttempts: {
      type: 'integer',
      minimum: 1,
      maximum: 2147483647,
      description: 'Attempts when the remote branch moved meanwhile (default 10).'
    },
    provider: {
      type: 'string',
      enum: ['azure', 'bitbucket', 'gitea', 'github', 'gitlab'],
      description: 'Git provider, for the commitURL output (inferred from the host when absent).'
    }
  },
  oneOf: [
    {
      required: ['generateTargetBranch'],
      properties: { generateTargetBranch: { const: true }, targetBranch: empty, tag: empty }
    },
    {
      required: ['targetBranch'],
      properties: { generateTargetBranch: { enum: [false, null] }, targetBranch: { minLength: 1 }, tag: empty }
    },
    {
      required: ['tag'],
      properties: {
        generateTargetBranch: { enum: [false, null] },
        targetBranch: empty,
        tag: { minLength: 1 },
        force: { enum: [false, null] }
      }
    },
    { properties: { generateTargetBranch: { enum: [false, null] }, targetBranch: empty, tag: empty } }
  ]
} as const;

export interface GitPushConfig {
  path: string;
  targetBranch?: string;
  generateTargetBranch?: boolean;
  tag?: string;
  force?: boolean;
  maxAttempts?: number;
  provider?: 'azure' | 'bitbucket' | 'gitea' | 'github' | 'gitlab';
}

export type GitPushSchemaType = FromSchema<typeof gitPushSchema>;
