import type { FromSchema } from 'json-schema-to-ts';

// Kargo's schemas/http-config.json: the same fields and constraints, so Kargo configs validate
// unchanged.

const DURATION = '(?:\\d+(ns|us|µs|ms|s|m|h))+';

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

export const httpSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  oneOf: [
    {
      properties: { body: { type: 'string', minLength: 1 }, bodyFromFile: { enum: ['', null] } },
      required: ['body']
    },
    {
      properties: { body: { enum: ['', null] }, bodyFromFile: { type: 'string', minLength: 1 } },
      required: ['bodyFromFile']
    },
    {
      properties: { body: { enum: ['', null] }, bodyFromFile: { enum: ['', null] } }
    }
  ],
  properties: {
    method: {
      type: 'string',
      pattern: '^(DELETE|GET|HEAD|PATCH|POST|PUT)$',
      description: 'The HTTP method; default GET.'
    },
    url: { type: 'string', minLength: 1, description: 'The URL to send the request to.' },
    headers: { type: 'array', items: nameValue('header'), description: 'Headers to send.' },
    queryParams: { type: 'array', items: nameValue('query parameter'), description: 'Query parameters to add.' },
    body: { type: 'string', description: 'The request body.' },
    bodyFromFile: {
      type: 'string',
      minLength: 1,
      description: 'A file in the WorkDir whose contents are the request body (max 2 MiB); excludes body.'
    },
    insecureSkipTLSVerify: { type: 'boolean', description: 'Skip TLS certificate verification (not recommended).' },
    proxy: { type: 'string', pattern: '^https?://.*$', description: 'Proxy URL; default: HTTP(S)_PROXY from the environment.' },
    timeout: { type: 'string', pattern: DURATION, description: 'Bound on the whole request; default 10s.' },
    pollInterval: {
      type: 'string',
      pattern: DURATION,
      description: 'Suggested wait before polling again while neither expression matches; default 30s.'
    },
    responseContentType: {
      type: 'string',
      pattern: '^(application/json|application/yaml|text/plain)$',
      description: 'Parse the response as this type instead of its Content-Type header.'
    },
    outputs: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'fromExpression'],
        properties: {
          name: { type: 'string', minLength: 1, description: 'The name of the output.' },
          fromExpression: { type: 'string', minLength: 1, description: 'An expression over `response`.' }
        }
      },
      description: 'Outputs extracted from the response.'
    },
    successExpression: { type: 'string', description: 'An expression over `response`: true means success.' },
    failureExpression: { type: 'string', description: 'An expression over `response`: true means failure.' },
    errorExpression: { type: 'string', description: 'An expression extracting an error message from the response.' }
  }
} as const;

export type HttpConfig = FromSchema<typeof httpSchema>;
