// Label selectors for listing Applications, built and checked the way Kubernetes'
// labels.NewRequirement does (Kargo's BuildArgoCDAppLabelSelector), then written in the string
// form the Argo CD API's `selector` query parameter takes.

import type { AppSelector } from './types.js';

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function keyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix === '' || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `key: Invalid value: ${JSON.stringify(key)}: prefix part must be a lowercase DNS subdomain`;
  }
  if (name === '' || name.length > 63 || !NAME.test(name)) {
    return (
      `key: Invalid value: ${JSON.stringify(key)}: name part must be at most 63 characters, consist of ` +
      `alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character`
    );
  }
  return undefined;
}

function valueProblem(value: string, index: number): string | undefined {
  if (value === '' || (value.length <= 63 && NAME.test(value))) return undefined;
  return (
    `values[${index}]: Invalid value: ${JSON.stringify(value)}: a valid label value must be empty or at ` +
    `most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`
  );
}

interface Requirement {
  key: string;
  text: string;
}

function requirement(key: string, operator: string, values: string[]): Requirement | string {
  const bad = keyProblem(key);
  if (bad) return bad;
  const lower = operator === 'In' ? 'in' : operator === 'NotIn' ? 'notin' : undefined;
  if (lower && values.length === 0) {
    return `values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`;
  }
  if (!lower && operator !== 'Equals' && values.length > 0) {
    return `values: Invalid value: ${JSON.stringify(values)}: values set must be empty for exists and does not exist`;
  }
  for (const [i, v] of values.entries()) {
    const problem = valueProblem(v, i);
    if (problem) return problem;
  }
  switch (operator) {
    case 'Equals':
      return { key, text: `${key}=${values[0]}` };
    case 'Exists':
      return { key, text: key };
    case 'DoesNotExist':
      return { key, text: `!${key}` };
    default:
      return { key, text: `${key} ${lower} (${[...new Set(values)].sort().join(',')})` };
  }
}

/**
 * The selector in Kubernetes' string syntax (`app=web,tier in (a,b),!legacy`), or an Error
 * carrying Kargo's message when the selector is empty or a requirement is invalid.
 */
export function buildLabelSelector(selector: AppSelector): string {
  const labels = Object.entries(selector.matchLabels ?? {});
  const expressions = selector.matchExpressions ?? [];
  if (labels.length === 0 && expressions.length === 0) {
    throw new Error('selector must have at least one match criterion');
  }
  const requirements: Requirement[] = [];
  for (const [key, value] of labels) {
    const req = requirement(key, 'Equals', [value]);
    if (typeof req === 'string') throw new Error(`invalid matchLabel ${key}=${value}: ${req}`);
    requirements.push(req);
  }
  for (const expr of expressions) {
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(expr.operator)) {
      throw new Error(`invalid operator: ${String(expr.operator)}`);
    }
    const req = requirement(expr.key, expr.operator, expr.values ?? []);
    if (typeof req === 'string') throw new Error(`invalid matchExpression: ${req}`);
    requirements.push(req);
  }
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return requirements.map((r) => r.text).join(',');
}
