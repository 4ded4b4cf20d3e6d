// Kargo's argocd-common.json: the Application label selector shared by argocd-update and
// argocd-wait (inlined where used: our schemas are self-contained).

export const argoCDAppSelectorSchema = {
  type: 'object',
  description: 'Selects Argo CD Applications by label; at least one criterion.',
  additionalProperties: false,
  properties: {
    matchLabels: {
      type: 'object',
      description: 'Label key/value pairs that must all match.',
      additionalProperties: { type: 'string' }
    },
    matchExpressions: {
      type: 'array',
      description: 'Label requirements that must all hold.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string', minLength: 1, description: 'Label key.' },
          operator: {
            type: 'string',
            enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'],
            description: 'How the key relates to the values.'
          },
          values: {
            type: 'array',
            items: { type: 'string' },
            description: 'Non-empty for In and NotIn; empty for Exists and DoesNotExist.'
          }
        }
      }
    }
  },
  anyOf: [
    { required: ['matchLabels'], properties: { matchLabels: { minProperties: 1 } } },
    { required: ['matchExpressions'], properties: { matchExpressions: { minItems: 1 } } }
  ]
} as const;

/** An app entry names one Application or selects several, never both. */
export const nameXorSelector = [
  { required: ['name'], properties: { name: { minLength: 1 }, selector: { enum: [null] } } },
  { required: ['selector'], properties: { name: { enum: ['', null] } } }
] as const;

/** How both Argo CD steps name an Application: by name (and namespace) or by selector. */
export const appIdentityProperties = {
  name: { type: 'string', minLength: 1, description: 'Application name; exclusive with selector.' },
  namespace: { type: 'string', minLength: 1, description: 'Application namespace; default argocd.' },
  selector: argoCDAppSelectorSchema
} as const;
