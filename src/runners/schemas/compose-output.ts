// Any object with at least one property; every key becomes an output of the same name.
export const composeOutputSchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: true
} as const;

export type ComposeOutputConfig = Record<string, unknown>;
