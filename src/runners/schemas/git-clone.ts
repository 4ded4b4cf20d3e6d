import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/git-clone-config.json: the same fields and constraints, our own words.
const noRef = { enum: [null, ''] } as const;

export const gitCloneSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['repoURL', 'checkout'],
  properties: {
    repoURL: { type: 'string', minLength: 1, description: 'URL of the remote repository to clone.' },
    insecureSkipTLSVerify: { type: 'boolean', description: 'Skip TLS certificate checks for this repository.' },
    recurseSubmodules: { type: 'boolean', description: 'Initialise and update submodules in every checkout.' },
    blobless: { type: 'boolean', description: 'Clone with --filter=blob:none (file contents fetched on demand).' },
    author: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'email'],
      description: 'Default author of commits and tags made in this clone.',
      properties: {
        name: { type: 'string', minLength: 1, description: 'Author name.' },
        email: { type: 'string', format: 'email', description: 'Author email.' },
        signingKey: { type: 'string', description: 'ASCII-armored GPG private key (no passphrase) to sign with.' }
      }
    },
    checkout: {
      type: 'array',
      minItems: 1,
      description: 'Branches, tags or commits to check out, each into its own path.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        properties: {
          as: { type: 'string', description: 'Key of this checkout in the `commits` output (default: path).' },
          branch: { type: 'string', description: 'Branch to check out.' },
          commit: { type: 'string', description: 'Commit to check out.' },
          tag: { type: 'string', description: 'Tag to check out.' },
          create: { type: 'boolean', description: 'Create the branch (empty, orphaned) if the remote lacks it.' },
          path: { type: 'string', minLength: 1, description: 'Where to check out, relative to the WorkDir.' },
          sparse: {
            type: 'array',
            minItems: 1,
            items: { type: 'string', minLength: 1 },
            description: 'Directories to check out (cone-mode sparse checkout; no globs).'
          }
        },
        oneOf: [
          { properties: { branch: noRef, commit: noRef, tag: noRef } },
          { required: ['branch'], properties: { branch: { minLength: 1 }, commit: noRef, tag: noRef } },
          { required: ['commit'], properties: { branch: noRef, commit: { minLength: 1 }, tag: noRef } },
          { required: ['tag'], properties: { branch: noRef, commit: noRef, tag: { minLength: 1 } } }
        ]
      }
    }
  }
} as const;

export interface GitCloneCheckout {
  as?: string;
  branch?: string;
  commit?: string;
  tag?: string;
  create?: boolean;
  path: string;
  sparse?: string[];
}

// The oneOf above is too much for FromSchema; the plain shape is what the runner reads.
export interface GitCloneConfig {
  repoURL: string;
  insecureSkipTLSVerify?: boolean;
  recurseSubmodules?: boolean;
  blobless?: boolean;
  author?: { name: string; email: string; signingKey?: string };
  checkout: GitCloneCheckout[];
}

export type GitCloneSchemaType = FromSchema<typeof gitCloneSchema>;
