import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { TerminalError } from '../../src/promotion/errors.js';
import { promote, scriptedRunner } from '../helpers/promote.js';

const byAlias = (result: { steps: { alias: string }[] }) =>
  Object.fromEntries(result.steps.map((s) => [s.alias, s])) as Record<string, any>;

describe('aliases and outputs', () => {
  it('gives steps without "as" the default aliases step-N and task-N::step-M, counting from 1', async () => {
    const result = await promote(`
- uses: compose-output
  config: {a: 1}
- task: {name: t}
- uses: compose-output
  config: {b: 2}
---
kind: PromotionTask
metadata: {name: t}
spec:
  steps:
  - uses: compose-output
    config: {c: 3}
  - uses: compose-output
    config: {d: 4}
`);
    expect(result.steps.map((s) => s.alias)).toEqual(['step-1', 'task-2::step-1', 'task-2::step-2', 'step-3']);
  });

  it('stores each output under its alias, and null for a step that failed', async () => {
    const result = await promote(`
- uses: compose-output
  as: first
  config: {value: one}
- uses: fail
  as: broken
  continueOnError: true
`);
    expect(result.state).toEqual({ first: { value: 'one' }, broken: null });
  });

  it('refuses reserved and duplicate aliases before running', async () => {
    await expect(promote(`- {uses: compose-output, as: step-2, config: {a: 1}}`)).rejects.toThrow(/alias "step-2" is reserved/);
    await expect(
      promote(`
- {uses: compose-output, as: x, config: {a: 1}}
- {uses: compose-output, as: x, config: {a: 1}}`)
    ).rejects.toThrow(/steps\[1\]\.as: alias "x" is already used by steps\[0\]/);
  });
});

describe('vars', () => {
  it('evaluates global vars in order, each seeing ctx and earlier vars', async () => {
    const result = await promote(`
vars:
- {name: env, value: "\${{ ctx.stage }}"}
- {name: branch, value: "stage/\${{ vars.env }}"}
steps:
- uses: compose-output
  as: out
  config: {branch: "\${{ vars.branch }}"}
`, { stage: 'uat' });
    expect(result.state.out).toEqual({ branch: 'stage/uat' });
  });

  it('lets step vars read outputs of earlier steps and override global vars', async () => {
    const result = await promote(`
vars:
- {name: who, value: global}
steps:
- {uses: compose-output, as: first, config: {name: from-output}}
- uses: compose-output
  as: second
  vars:
  - {name: who, value: "\${{ outputs.first.name }}"}
  config: {who: "\${{ vars.who }}"}
`);
    expect(result.state.second).toEqual({ who: 'from-output' });
  });

  it('does not let global vars read outputs', async () => {
    const result = await promote(`
vars:
- {name: x, value: "\${{ outputs.first }}"}
steps:
- {uses: compose-output, as: first, config: {a: "\${{ vars.x }}"}}
`);
    expect(result.status).toBe('Errored');
    expect(result.steps[0]?.message).toMatch(/failed to build step context/);
  });

  it('replaces a template var with the vars input and adds new ones', async () => {
    const result = await promote(`
vars:
- {name: tag, value: from-template}
steps:
- {uses: compose-output, as: out, config: {tag: "\${{ vars.tag }}", extra: "\${{ vars.extra }}"}}
`, { vars: { tag: 'from-input', extra: 'added' } });
    expect(result.state.out).toEqual({ tag: 'from-input', extra: 'added' });
  });

  it('keeps a plain var value a string, but coerces it when interpolated into config', async () => {
    const result = await promote(`
vars:
- {name: numVar, value: "42"}
steps:
- {uses: compose-output, as: out, config: {n: "\${{ vars.numVar }}", s: "\${{ quote(vars.numVar) }}"}}
`);
    expect(result.state.out).toEqual({ n: 42, s: '42' });
  });
});

describe('conditions', () => {
  const afterFailure = `
- {uses: fail, as: boom}
- {uses: compose-output, as: plain, config: {ran: true}}
- {uses: compose-output, as: on-success, if: "\${{ success() }}", config: {ran: true}}
- {uses: compose-output, as: on-failure, if: "\${{ failure() }}", config: {ran: true}}
- {uses: compose-output, as: on-always, if: "\${{ always() }}", config: {ran: true}}
- {uses: compose-output, as: on-status, if: "\${{ status('boom') == 'Failed' }}", config: {ran: true}}
`;

  it('skips steps without "if" and with success() after a failure, runs failure(), always() and status()', async () => {
    const result = await promote(afterFailure);
    const steps = byAlias(result);
    expect(steps.plain.status).toBe('Skipped');
    expect(steps['on-success'].status).toBe('Skipped');
    expect(steps['on-failure'].status).toBe('Succeeded');
    expect(steps['on-always'].status).toBe('Succeeded');
    expect(steps['on-status'].status).toBe('Succeeded');
    expect(result.status).toBe('Failed');
    expect(result.message).toBe('failed');
  });

  it('ignores a continueOnError step in failure(), success(), the default rule and the final phase', async () => {
    const result = await promote(afterFailure.replace('{uses: fail, as: boom}', '{uses: fail, as: boom, continueOnError: true}'));
    const steps = byAlias(result);
    expect(steps.plain.status).toBe('Succeeded');
    expect(steps['on-success'].status).toBe('Succeeded');
    expect(steps['on-failure'].status).toBe('Skipped');
    expect(steps['on-status'].status).toBe('Succeeded');
    expect(result.status).toBe('Succeeded');
  });

  it('answers status() with "" for an unknown alias and sees only steps of its own task', async () => {
    const result = await promote(`
- {uses: compose-output, as: outer, config: {a: 1}}
- {task: {name: t}, as: t1}
---
kind: PromotionTask
metadata: {name: t}
spec:
  steps:
  - {uses: compose-output, as: inner, config: {outer: "\${{ quote(status('outer')) }}", self: "\${{ quote(status('missing')) }}"}}
  - {uses: compose-output, as: sibling, config: {inner: "\${{ status('inner') }}"}}
`);
    expect(result.state['t1::inner']).toEqual({ outer: '', self: '' });
    expect(result.state['t1::sibling']).toEqual({ inner: 'Succeeded' });
  });

  it('errors a step whose "if" is not a boolean and goes on', async () => {
    const result = await promote(`
- {uses: compose-output, as: a, if: "\${{ 'yes' }}", config: {a: 1}}
- {uses: compose-output, as: b, if: "\${{ always() }}", config: {b: 1}}
`);
    const steps = byAlias(result);
    expect(steps.a.status).toBe('Errored');
    expect(steps.a.message).toMatch(/error checking if step "a" should be skipped: expression must evaluate to a boolean/);
    expect(steps.b.status).toBe('Succeeded');
    expect(result.status).toBe('Errored');
  });
});

describe('errors, retries and timeouts', () => {
  const flaky = (failures: number, extra = {}) =>
    scriptedRunner('flaky', [
      ...Array.from({ length: failures }, () => ({ status: 'Errored' as const, error: new Error('connection reset') })),
      { status: 'Succeeded' as const, output: { ok: true } }
    ], extra);

  it('retries a retryable error until it clears within the error threshold', async () => {
    const runner = flaky(2);
    const result = await promote(`- {uses: flaky, as: f, retry: {errorThreshold: 3}}`, { runners: [runner] });
    expect(result.status).toBe('Succeeded');
    expect(runner.calls).toHaveLength(3);
    expect(result.steps[0]).toMatchObject({ attempts: 3, errorCount: 2 });
  });

  it('abandons a step when its failures reach the threshold', async () => {
    const runner = flaky(5);
    const result = await promote(`- {uses: flaky, as: f, retry: {errorThreshold: 2}}`, { runners: [runner] });
    expect(result.status).toBe('Errored');
    expect(runner.calls).toHaveLength(2);
    expect(result.message).toBe('step "f" met error threshold of 2: connection reset');
  });

  it('keeps Failed as the status when a Failed step with a plain error meets the threshold', async () => {
    const runner = scriptedRunner('flaky', [{ status: 'Failed', error: new Error('nope') }]);
    const result = await promote(`- {uses: flaky, as: f}`, { runners: [runner] });
    expect(result.status).toBe('Failed');
    expect(result.message).toBe('step "f" met error threshold of 1: nope');
  });

  it('uses the system default threshold (the error-threshold input) when neither step nor runner sets one', async () => {
    const runner = flaky(2);
    const result = await promote(`- {uses: flaky, as: f}`, { runners: [runner], errorThreshold: 3 });
    expect(result.status).toBe('Succeeded');
    expect(runner.calls).toHaveLength(3);
  });

  it("prefers the runner's default threshold over the system default, and the step's over both", async () => {
    const runner = flaky(3, { defaultErrorThreshold: 2 });
    const result = await promote(`- {uses: flaky, as: f}`, { runners: [runner], errorThreshold: 10 });
    expect(runner.calls).toHaveLength(2);
    expect(result.status).toBe('Errored');
    const again = flaky(3, { defaultErrorThreshold: 2 });
    const overridden = await promote(`- {uses: flaky, as: f, retry: {errorThreshold: 4}}`, { runners: [again] });
    expect(overridden.status).toBe('Succeeded');
  });

  it('counts errors cumulatively: a Running answer between two errors does not reset the count', async () => {
    const runner = scriptedRunner('wobbly', [
      { status: 'Errored', error: new Error('e1') },
      { status: 'Running' },
      { status: 'Errored', error: new Error('e2') },
      { status: 'Succeeded' }
    ]);
    const result = await promote(`- {uses: wobbly, as: w, retry: {errorThreshold: 2}}`, { runners: [runner] });
    expect(result.status).toBe('Errored');
    expect(result.message).toBe('step "w" met error threshold of 2: e2');
  });

  it('ends a step at once on a terminal error: Failed stays Failed with the raw message', async () => {
    const runner = scriptedRunner('term', [{ status: 'Failed', error: new TerminalError('blocked') }]);
    const result = await promote(`- {uses: term, as: t, retry: {errorThreshold: 5}}`, { runners: [runner] });
    expect(runner.calls).toHaveLength(1);
    expect(result).toMatchObject({ status: 'Failed', message: 'blocked' });
  });

  it('ends a step at once on a terminal error with any other status, as Errored "an unrecoverable error occurred"', async () => {
    const runner = scriptedRunner('term', [{ status: 'Running', error: new Error('outer', { cause: new TerminalError('inner') }) }]);
    const result = await promote(`- {uses: term, as: t, retry: {errorThreshold: 5}}`, { runners: [runner] });
    expect(runner.calls).toHaveLength(1);
    expect(result).toMatchObject({ status: 'Errored', message: 'an unrecoverable error occurred: outer' });
  });

  it('synthesises an error for Errored without one', async () => {
    const runner = scriptedRunner('quiet', [{ status: 'Errored' }]);
    const result = await promote(`- {uses: quiet, as: q}`, { runners: [runner] });
    expect(result.message).toBe('step "q" met error threshold of 1: step "q" errored: no details provided');
  });

  it('turns an invalid status into a terminal Errored', async () => {
    const runner = scriptedRunner('odd', [{ status: 'Weird' as never }]);
    const result = await promote(`- {uses: odd, as: o}`, { runners: [runner] });
    expect(result.status).toBe('Errored');
    expect(result.message).toMatch(/invalid status "Weird"/);
  });

  it('turns a runner that throws into Errored with its message', async () => {
    const runner = scriptedRunner('thrower', [() => { throw new Error('kaboom'); }]);
    const result = await promote(`- {uses: thrower, as: t}`, { runners: [runner] });
    expect(result.message).toBe('step "t" met error threshold of 1: kaboom');
  });

  it('polls a Running step again until it succeeds', async () => {
    const runner = scriptedRunner('poll', [{ status: 'Running', retryAfterMs: 1 }, { status: 'Running', retryAfterMs: 1 }, { status: 'Succeeded', output: { done: true } }]);
    const result = await promote(`- {uses: poll, as: p}`, { runners: [runner] });
    expect(result.status).toBe('Succeeded');
    expect(runner.calls).toHaveLength(3);
    expect(result.state.p).toEqual({ done: true });
  });

  it('re-evaluates config on every poll so it sees the latest state', async () => {
    let n = 0;
    const runner = scriptedRunner('poll', [() => ({ status: ++n < 3 ? 'Running' : 'Succeeded', output: { n }, retryAfterMs: 1 })]);
    const result = await promote(`- {uses: poll, as: p, config: {previous: "\${{ outputs.p?.n ?? 0 }}"}}`, { runners: [runner] });
    expect(runner.calls).toEqual([{ previous: 0 }, { previous: 1 }, { previous: 2 }]);
    expect(result.status).toBe('Succeeded');
  });

  it('times out a step that keeps answering Running, with Kargo\'s message', async () => {
    const runner = scriptedRunner('forever', [{ status: 'Running', retryAfterMs: 5 }]);
    const result = await promote(`- {uses: forever, as: f, retry: {timeout: 50ms}}`, { runners: [runner] });
    expect(result.status).toBe('Errored');
    expect(result.message).toBe('step "f" timed out after 50ms');
    expect(runner.calls.length).toBeGreaterThan(1);
  });

  it('keeps the last real error in a timeout message', async () => {
    const runner = scriptedRunner('flaky', [{ status: 'Errored', error: new Error('502 Bad Gateway') }]);
    const result = await promote(`- {uses: flaky, as: f, retry: {timeout: 40ms, errorThreshold: 1000}}`, { runners: [runner] });
    expect(result.message).toBe('step "f" timed out after 40ms; last error: 502 Bad Gateway');
  });

  it("applies the runner's default timeout, and treats an explicit 0s as no timeout", async () => {
    const timed = scriptedRunner('slow', [{ status: 'Running', retryAfterMs: 5 }], { defaultTimeout: 30 });
    expect((await promote(`- {uses: slow, as: s}`, { runners: [timed] })).message).toBe('step "s" timed out after 30ms');
    let n = 0;
    const finishing = scriptedRunner('slow', [() => ({ status: ++n < 15 ? 'Running' : 'Succeeded', retryAfterMs: 5 })], { defaultTimeout: 30 });
    expect((await promote(`- {uses: slow, as: s, retry: {timeout: 0s}}`, { runners: [finishing] })).status).toBe('Succeeded');
  });

  it('applies the timeout input when neither step nor runner sets one', async () => {
    const runner = scriptedRunner('forever', [{ status: 'Running', retryAfterMs: 5 }]);
    const result = await promote(`- {uses: forever, as: f}`, { runners: [runner], timeoutMs: 25 });
    expect(result.message).toBe('step "f" timed out after 25ms');
  });

  it('treats Failed without an error as still running (Kargo re-runs it), bounded by the timeout', async () => {
    const runner = scriptedRunner('http-like', [{ status: 'Failed', message: 'HTTP 500' }, { status: 'Succeeded' }]);
    const result = await promote(`- {uses: http-like, as: h}`, { runners: [runner] });
    expect(result.status).toBe('Succeeded');
    expect(result.steps[0]?.errorCount).toBe(0);
  });

  it('fails a step terminally when its evaluated config breaks the schema', async () => {
    const result = await promote(`- {uses: fail, as: f, config: {message: "\${{ '' }}"}, retry: {errorThreshold: 3}}`);
    expect(result.status).toBe('Failed');
    expect(result.message).toMatch(/^invalid fail config: message: must NOT have fewer than 1 characters/);
  });
});

describe('tasks', () => {
  const tasks = `
---
kind: PromotionTask
metadata: {name: notes}
spec:
  vars:
  - {name: file, value: default.txt}
  - {name: required}
  steps:
  - {uses: compose-output, as: compose, config: {file: "\${{ vars.file }}", required: "\${{ vars.required }}"}}
  - {uses: compose-output, as: echo, config: {seen: "\${{ task.outputs.compose.file }}"}}
`;

  it('namespaces task step aliases, gives task vars their defaults, and exposes task.outputs', async () => {
    const result = await promote(`- {task: {name: notes}, as: n, vars: [{name: required, value: r}]}${tasks}`);
    expect(result.state['n::compose']).toEqual({ file: 'default.txt', required: 'r' });
    expect(result.state['n::echo']).toEqual({ seen: 'default.txt' });
  });

  it("propagates compose-output's output to the task alias for later steps", async () => {
    const result = await promote(`
- {task: {name: notes}, as: n, vars: [{name: required, value: r}]}
- {uses: compose-output, as: after, config: {file: "\${{ outputs.n.file }}", seen: "\${{ outputs.n.seen }}"}}${tasks}`);
    expect(result.state.after).toEqual({ file: 'default.txt', seen: 'default.txt' });
  });

  it('lets a global var replace a task default, and a task step var win over both', async () => {
    const result = await promote(`
vars: [{name: file, value: global.txt}]
steps:
- {task: {name: notes}, as: n, vars: [{name: required, value: r}]}
- {task: {name: notes}, as: m, vars: [{name: required, value: r}, {name: file, value: step.txt}]}${tasks}`);
    expect((result.state['n::compose'] as any).file).toBe('global.txt');
    expect((result.state['m::compose'] as any).file).toBe('step.txt');
  });

  it('refuses a task var with no value anywhere', async () => {
    await expect(promote(`- {task: {name: notes}, as: n}${tasks}`)).rejects.toThrow(/missing value for variable "required"/);
  });

  it('refuses an unknown task, listing the tasks found', async () => {
    await expect(promote(`- {task: {name: other}}${tasks}`)).rejects.toThrow(/PromotionTask "other" not found; tasks in the steps file: PromotionTask "notes"/);
  });

  it('refuses if/config/retry/continueOnError on a task step', async () => {
    await expect(promote(`- {task: {name: notes}, if: "\${{ always() }}"}${tasks}`)).rejects.toThrow(/a task step may not set if/);
  });
});

describe('checks before anything runs', () => {
  it('refuses an unknown step with a suggestion, and changes nothing in the WorkDir', async () => {
    const promise = promote(`
- {uses: file-write, config: {path: a.txt, contents: x}}
- {uses: compose-ouput, config: {a: 1}}`);
    await expect(promise).rejects.toThrow(/step "step-2" \(compose-ouput\) at steps\[1\]: uses: unknown step "compose-ouput"; did you mean "compose-output"\?/);
  });

  it('refuses an expression that does not parse, naming the step and the field', async () => {
    await expect(promote(`- {uses: compose-output, as: c, config: {a: "\${{ vars.x + }}"}}`)).rejects.toThrow(/step "c" \(compose-output\) at steps\[0\]: config\.a: /);
  });

  it('refuses a config without expressions that breaks the schema, naming the field', async () => {
    await expect(promote(`- {uses: file-write, as: w, config: {path: a.txt}}`)).rejects.toThrow(/step "w" \(file-write\) at steps\[0\]: config: must have required property 'contents'/);
  });

  it('refuses an "if" that is not an expression', async () => {
    await expect(promote(`- {uses: compose-output, if: "true", config: {a: 1}}`)).rejects.toThrow(/if: "true" is not an expression; write it as "\$\{\{ true \}\}"/);
  });

  it('refuses a retry timeout that is not a duration', async () => {
    await expect(promote(`- {uses: compose-output, retry: {timeout: soon}, config: {a: 1}}`)).rejects.toThrow(/retry\.timeout: "soon" is not a duration/);
  });

  it('leaves the WorkDir untouched when the input is refused', async () => {
    const { makeTempDir } = await import('../helpers/step-context.js');
    const workDir = makeTempDir();
    await expect(promote(`
- {uses: file-write, config: {path: a.txt, contents: x}}
- {uses: nope}`, { workDir })).rejects.toThrow();
    expect(readdirSync(workDir)).toEqual([]);
    expect(existsSync(path.join(workDir, 'a.txt'))).toBe(false);
  });
});

describe('dry run', () => {
  it('runs local steps and skips steps that change something outside the WorkDir', async () => {
    const remote = scriptedRunner('pushy', [{ status: 'Succeeded' }], { effects: 'writes-remote' });
    const result = await promote(`
- {uses: compose-output, as: local, config: {a: 1}}
- {uses: pushy, as: push}`, { runners: [remote], dryRun: true });
    expect(remote.calls).toHaveLength(0);
    expect(byAlias(result).push).toMatchObject({ status: 'Skipped', dryRun: true });
    expect(result.state.local).toEqual({ a: 1 });
  });

  it('asks a runner whose effects depend on its config', async () => {
    const maybe = scriptedRunner('maybe', [{ status: 'Succeeded' }], { effects: (config: any) => (config.push ? 'writes-remote' : 'local') });
    const result = await promote(`
- {uses: maybe, as: quiet, config: {push: false}}
- {uses: maybe, as: loud, config: {push: true}}`, { runners: [maybe], dryRun: true });
    expect(maybe.calls).toEqual([{ push: false }]);
    expect(byAlias(result).loud).toMatchObject({ status: 'Skipped', dryRun: true });
  });
});

describe('outputs', () => {
  it('merges what set-metadata steps record into one metadata output', async () => {
    const { promotionOutputs } = await import('../../src/report.js');
    const result = await promote(`
- {uses: set-metadata, as: m1, config: {updates: [{kind: Stage, name: prod, values: {a: 1, b: 1}}]}}
- {uses: set-metadata, as: m2, config: {updates: [{kind: Stage, name: prod, values: {b: 2}}, {kind: Freight, name: f1, values: {ok: true}}]}}
`);
    expect(JSON.parse(promotionOutputs(result).metadata as string)).toEqual({ Stage: { prod: { a: 1, b: 2 } }, Freight: { f1: { ok: true } } });
  });
});

describe('freight functions in expressions', () => {
  const freight = `
- origin: {kind: Warehouse, name: app}
  commits: [{repoURL: "https://github.com/acme/app.git", id: abc123}]
  images: [{repoURL: ghcr.io/acme/app, tag: "1.10"}]
  charts: [{repoURL: "https://charts.acme.io", name: app, version: 2.0.1}]
- origin: {kind: Warehouse, name: base}
  images: [{repoURL: ghcr.io/acme/app, tag: "9.9"}]
`;
  const run = (config: string) => promote(`- {uses: compose-output, as: out, config: ${config}}`, { freightText: freight });

  it('finds artifacts by repository, with an explicit origin where two Freight carry one', async () => {
    const result = await run(`{
      sha: "\${{ commitFrom('https://github.com/acme/app').ID }}",
      tag: "\${{ quote(imageFrom('ghcr.io/acme/app', warehouse('app')).Tag) }}",
      base: "\${{ quote(imageFrom('ghcr.io/acme/app', warehouse('base')).Tag) }}",
      chart: "\${{ chartFrom('https://charts.acme.io', 'app').Version }}",
      target: "\${{ ctx.targetFreight.origin.name }}"}`);
    expect(result.state.out).toEqual({ sha: 'abc123', tag: '1.10', base: '9.9', chart: '2.0.1', target: 'app' });
  });

  it.each([
    ["\${{ imageFrom('ghcr.io/acme/app').Tag }}", 'multiple requested Freight could potentially provide a container image from repository ghcr.io/acme/app'],
    ["\${{ chartFrom('https://charts.acme.io', 'other').Version }}", 'chart "other" from repo https://charts.acme.io not found in referenced Freight'],
    ["\${{ commitFrom('https://github.com/acme/app').Id }}", 'cannot fetch Id from *v1alpha1.GitCommit'],
    ["\${{ imageFrom('ghcr.io/acme/app', 'app') }}", 'imageFrom: the origin argument must be warehouse("<name>")']
  ])('errors the step for %s', async (expression, message) => {
    const result = await run(`{x: "${expression}"}`);
    expect(result.status).toBe('Errored');
    expect(result.message).toContain(message);
  });
});
