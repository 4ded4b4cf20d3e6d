import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/http-download-config.json.

const nameValue = (what: string) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['name', 'value'],
    properties: {
      name: { type: 'string', minLength: 1, description: `The name of the ${what}.` },
      value: { type: 'string', minLength: 1, description: `The value of the ${what}.` }
    }
  }) as const;

export const httpDownloadSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'outPath'],
  properties: {
    url: { type: 'string', minLength: 1, description: 'The URL to download (GET).' },
    outPath: { type: 'string', minLength: 1, description: 'Destination file, relative to the WorkDir.' },
    allowOverwrite: { type: 'boolean', description: 'Replace an existing file at outPath.' },
    headers: { type: 'array', items: nameValue('header'), description: 'Headers to send.' },
    queryParams: { type: 'array', items: nameValue('query parameter'), description: 'Query parameters to add.' },
    insecureSkipTLSVerify: { type: 'boolean', description: 'Skip TLS certificate verification (not recommended).' },
    timeout: {
      type: 'string',
      pattern: '(?:\\d+(ns|us|µs|ms|s|m|h))+',
      description: 'Bound on the whole download; default 5m.'
    }
  }
} as const;

export type HttpDownloadConfig = FromSchema<typeof httpDownloadSchema>;
