// Go RE2 patterns (as used by expr's `matches`) run on JavaScript's RegExp. Leading inline flags
// `(?i)`, `(?s)`, `(?m)` become RegExp flags, `(?P<name>` becomes `(?<name>`, `\A` and `\z` become
// anchors. Everything else is passed as is (RE2 and JavaScript agree on the common syntax).

import { fault } from './errors.js';

const cache = new Map<string, RegExp>();

function translate(pattern: string): { source: string; flags: string } {
  let source = pattern;
  let flags = '';
  const inline = /^\(\?([ims]+)\)/.exec(source);
  if (inline) {
    flags = [...new Set(inline[1])].join('');
    source = source.slice(inline[0].length);
  }
  source = source.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$(?![\\s\\S])');
  return { source, flags };
}

export function compileRegExp(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached) return cached;
  const { source, flags } = translate(pattern);
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch (err) {
    return fault(`error parsing regexp: ${(err as Error).message}`);
  }
  if (cache.size > 500) cache.clear();
  cache.set(pattern, re);
  return re;
}
