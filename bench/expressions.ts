// Expression evaluation: Kargo templates as a promotion evaluates them, against the cheapest
// possible alternatives (a regex string-replace template; a JSON round trip of the same config).

import { evaluateConfig, evaluateTemplate, goStruct, type Env } from '../src/expressions/index.js';
import { compare, reportSpeed, type Outcome } from './lib/measure.js';

const IMAGE = { repoURL: 'ghcr.io/acme/guestbook', tag: 'v1.42.0', digest: 'sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b' };

/** An environment shaped like the engine's step environment, with a plain function in it. */
export function benchEnv(): Env {
  const images: Record<string, unknown> = {
    [IMAGE.repoURL]: goStruct({ RepoURL: IMAGE.repoURL, Tag: IMAGE.tag, Digest: IMAGE.digest }, IMAGE, '*v1alpha1.Image')
  };
  return {
    ctx: {
      project: 'guestbook',
      stage: 'prod',
      promotion: 'prod.01jdx4zq6k0m8ry0g2v3x1c7f5.6c3c624',
      meta: { promotion: { actor: 'alice' } },
      targetFreight: { name: '6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6', origin: { kind: 'Warehouse', name: 'guestbook' } }
    },
    vars: {
      imageRepo: IMAGE.repoURL,
      gitRepo: 'https://github.com/acme/guestbook-gitops.git',
      srcPath: './src',
      outPath: './out'
    },
    outputs: {
      x: { y: '1.10', commit: '2f0e9c1b7a4d' },
      'update-image': { commitMessage: 'Updated values.yaml' },
      commit: { commit: '2f0e9c1b7a4d6e8f00112233445566778899aabb' }
    },
    imageFrom: (repoURL: unknown) => images[String(repoURL)] ?? null
  };
}

/** A step config as users write them: templates mixed with plain strings, numbers and bools. */
export function benchConfig(): Record<string, unknown> {
  return {
    repoURL: '${{ vars.gitRepo }}',
    checkout: [
      { branch: 'main', path: '${{ vars.srcPath }}' },
      { branch: 'stage/${{ ctx.stage }}', create: true, path: '${{ vars.outPath }}' }
    ],
    path: './src/charts/guestbook/values-${{ ctx.stage }}.yaml',
    updates: [
      { key: 'image.repository', value: '${{ vars.imageRepo }}' },
      { key: 'image.tag', value: '${{ imageFrom(vars.imageRepo).Tag }}' },
      { key: 'image.digest', value: '${{ imageFrom(vars.imageRepo).Digest }}' },
      { key: 'replicaCount', value: 3 }
    ],
    message: '${{ quote(outputs[\'x\'].y) }}',
    commit: "${{ outputs['commit'].commit }}",
    insecureSkipTLSVerify: false,
    labels: { team: 'web', tier: 'frontend' }
  };
}

const SPAN = /\$\{\{\s*(.*?)\s*\}\}/g;

/** The baseline template engine: find each `${{ }}` span and read a dotted path from env. */
export function stringReplaceTemplate(template: string, env: Env): string {
  return template.replace(SPAN, (_, path: string) => {
    let value: unknown = env;
    for (const part of path.split(/[.[\]'()]+/)) {
      if (part === '') continue;
      if (value === null || typeof value !== 'object') break;
      value = (value as Record<string, unknown>)[part];
    }
    return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  });
}

const TEMPLATES: Array<{ name: string; template: string; expect: unknown; target: number }> = [
  { name: 'expr:simple', template: 'stage/${{ ctx.stage }}', expect: 'stage/prod', target: 5 },
  { name: 'expr:member-chain', template: '${{ imageFrom(vars.imageRepo).Tag }}', expect: IMAGE.tag, target: 6 },
  { name: 'expr:quote-index', template: "${{ quote(outputs['x'].y) }}", expect: '1.10', target: 6 }
];

export async function runExpressionBenchmarks(): Promise<Outcome[]> {
  const env = benchEnv();
  const outcomes: Outcome[] = [];
  let sink: unknown;

  for (const { name, template, expect, target } of TEMPLATES) {
    const got = evaluateTemplate(template, env);
    if (got !== expect) throw new Error(`${name}: ${template} gave ${JSON.stringify(got)}, expected ${JSON.stringify(expect)}`);
    const result = await compare(
      () => (sink = evaluateTemplate(template, env)),
      () => (sink = stringReplaceTemplate(template, env))
    );
    outcomes.push(reportSpeed(name, result, target, `vs regex string-replace of ${template}`));
  }

  // A whole step config, as the engine evaluates it before each run.
  const config = benchConfig();
  const evaluated = evaluateConfig(config, env) as { updates: Array<{ value: unknown }>; checkout: Array<{ branch: string }> };
  if (evaluated.updates[1]?.value !== IMAGE.tag || evaluated.checkout[1]?.branch !== 'stage/prod') {
    throw new Error(`expr:config: unexpected evaluation ${JSON.stringify(evaluated)}`);
  }
  const text = JSON.stringify(config);
  const configResult = await compare(
    () => (sink = evaluateConfig(config, env)),
    () => (sink = JSON.parse(JSON.stringify(config)))
  );
  outcomes.push(reportSpeed('expr:config', configResult, 15, `vs JSON.parse(JSON.stringify()) of the same ${text.length}-byte config, 10 templates`));

  // The compile cache: the same text (a hit, as in a promotion) against a text never seen before
  // (2500 variants differing in spaces, cycled past the cache's 1000 entries: always a miss).
  const variants: string[] = [];
  for (let a = 0; a < 50; a++) {
    for (let b = 0; b < 50; b++) variants.push(`\${{${' '.repeat(a + 1)}imageFrom(vars.imageRepo).Tag${' '.repeat(b + 1)}}}`);
  }
  const hit = variants[0]!;
  let next = 0;
  const cacheResult = await compare(
    () => (sink = evaluateTemplate(hit, env)),
    () => {
      sink = evaluateTemplate(variants[next]!, env);
      next = (next + 1) % variants.length;
    }
  );
  outcomes.push(reportSpeed('expr:compile-cache', cacheResult, 0.5, 'cached compile vs compile on every evaluation'));

  if (sink === Symbol.for('never')) console.log(sink);
  return outcomes;
}
