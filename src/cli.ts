#!/usr/bin/env node
// The CLI door: `kargo-promote run` runs a promotion on a laptop with the same engine and the
// same inputs as the action (one flag per input); `kargo-promote validate` checks a file.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { clonedCommits, dryRunCopy, workDirDiff } from './dry-run.js';
import { lineOf } from './yaml-lines.js';
import type { PromotionEvents, PromotionResult } from './promotion/engine.js';
import { InputError, messageOf } from './promotion/errors.js';
import { applyVarOverrides, checkRequiredVars, parsePromotionDefinition } from './promotion/load.js';
import { inflateSteps } from './promotion/steps.js';
import type { Logger } from './promotion/types.js';
import { findProblems } from './promotion/validate.js';
import { stepLine } from './report.js';
import { promotionOutputs } from './report.js';
import { runSettings } from './run.js';
import { builtinRegistry } from './runners/index.js';
import { readSettings, runEnvironment, type RawInputs } from './settings.js';

const USAGE = `Usage:
  kargo-promote run --steps-file FILE [options]     run a promotion
  kargo-promote validate FILE [--stage NAME]         check a promotion file without running it

Options of run (each is an action input of the same name):
  --steps YAML | --steps-file FILE      the steps (a list, {vars, steps}, a Stage, a PromotionTask)
  --freight YAML | --freight-file FILE  the Freight to promote
  --var NAME=VALUE                      a global var (repeatable); --vars YAML for a mapping
  --secrets YAML | --secrets-file FILE  secrets: name -> key -> value
  --project P  --stage S  --promotion N
  --workdir DIR                         the WorkDir (default: the current directory)
  --github-token T                      default: $GITHUB_TOKEN
  --github-server-url URL  --github-api-url URL
  --argocd-server URL  --argocd-token T (default: $ARGOCD_TOKEN)  --argocd-namespace NS
  --git-user-name N  --git-user-email E
  --error-threshold N                   failures before a step is abandoned (default 3)
  --timeout DURATION                    default step timeout, e.g. 10m
  --dry-run                             run steps that only touch the WorkDir (in a copy) and
                                        report the ones that would push, open PRs or call out
  --output text|json                    json prints the outputs for scripts
Exit code: 0 when the promotion Succeeded, 1 when it Failed or Errored or the input is bad.`;

const OPTIONS = {
  steps: { type: 'string' },
  'steps-file': { type: 'string' },
  freight: { type: 'string' },
  'freight-file': { type: 'string' },
  var: { type: 'string', multiple: true },
  vars: { type: 'string' },
  secrets: { type: 'string' },
  'secrets-file': { type: 'string' },
  project: { type: 'string' },
  stage: { type: 'string' },
  promotion: { type: 'string' },
  workdir: { type: 'string' },
  'working-directory': { type: 'string' },
  'github-token': { type: 'string' },
  'github-server-url': { type: 'string' },
  'github-api-url': { type: 'string' },
  'argocd-server': { type: 'string' },
  'argocd-token': { type: 'string' },
  'argocd-namespace': { type: 'string' },
  'argocd-insecure': { type: 'boolean' },
  'git-user-name': { type: 'string' },
  'git-user-email': { type: 'string' },
  'error-threshold': { type: 'string' },
  timeout: { type: 'string' },
  'dry-run': { type: 'boolean' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

interface Io {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

function varsYaml(values: Values): string {
  const pairs = (values.var ?? []).map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InputError(`--var ${pair}: write it as NAME=VALUE`);
    return [pair.slice(0, eq), pair.slice(eq + 1)] as const;
  });
  if (pairs.length === 0) return values.vars ?? '';
  if (values.vars) throw new InputError('--var and --vars: use one of them');
  return JSON.stringify(Object.fromEntries(pairs));
}

async function rawInputs(values: Values, io: Io): Promise<RawInputs> {
  const secrets = values['secrets-file'] ? await fs.readFile(path.resolve(io.cwd, values['secrets-file']), 'utf8') : values.secrets;
  return {
    steps: values.steps,
    'steps-file': values['steps-file'] && path.resolve(io.cwd, values['steps-file']),
    freight: values.freight,
    'freight-file': values['freight-file'] && path.resolve(io.cwd, values['freight-file']),
    vars: varsYaml(values),
    secrets,
    project: values.project,
    stage: values.stage,
    promotion: values.promotion,
    'working-directory': values.workdir ?? values['working-directory'],
    'github-token': values['github-token'] ?? io.env.GITHUB_TOKEN,
    'argocd-server': values['argocd-server'],
    'argocd-token': values['argocd-token'] ?? io.env.ARGOCD_TOKEN,
    'argocd-namespace': values['argocd-namespace'],
    'argocd-insecure': values['argocd-insecure'] ? 'true' : undefined,
    'git-user-name': values['git-user-name'],
    'git-user-email': values['git-user-email'],
    'error-threshold': values['error-threshold'],
    timeout: values.timeout
  };
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A line per step; on a TTY, a spinner on the step that is running. */
function liveView(io: Io, enabled: boolean): { events: PromotionEvents; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const clear = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (io.out.isTTY) io.out.write('\r\x1b[2K');
  };
  return {
    events: {
      onStepStart: (step, attempt) => {
        if (!enabled || !io.out.isTTY || attempt > 1) return;
        const started = Date.now();
        let frame = 0;
        clear();
        timer = setInterval(() => {
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          io.out.write(`\r\x1b[2K${SPINNER[frame++ % SPINNER.length]} ${step.alias} (${step.kind}) ${seconds}s`);
        }, 100);
      },
      onStepEnd: (_step, execution) => {
        if (!enabled) return;
        clear();
        io.out.write(`${stepLine(execution)}\n`);
      }
    },
    stop: clear
  };
}

function logger(io: Io, quiet: boolean): Logger {
  const write = (prefix: string) => (m: string) => io.err.write(`${prefix}${m}\n`);
  return {
    debug: () => undefined,
    info: quiet ? () => undefined : write('  '),
    warning: write('warning: '),
    error: write('error: ')
  };
}

function printResult(io: Io, result: PromotionResult, format: string, diff?: string): void {
  if (format === 'json') {
    const outputs = promotionOutputs(result);
    io.out.write(`${JSON.stringify({ status: result.status, message: result.message, state: result.state, steps: result.steps, outputs, ...(diff !== undefined ? { diff } : {}) }, null, 2)}\n`);
    return;
  }
  if (diff !== undefined) io.out.write(diff ? `\nChanges in the WorkDir (dry run):\n${diff}\n` : '\nThe dry run changed nothing in the WorkDir.\n');
  io.out.write(`\nPromotion ${result.status}${result.message ? `: ${result.message}` : ''}\n`);
}

async function runCommand(values: Values, io: Io): Promise<number> {
  const format = values.output ?? 'text';
  if (format !== 'text' && format !== 'json') throw new InputError(`--output ${format}: use text or json`);
  const env: NodeJS.ProcessEnv = { ...io.env, GITHUB_WORKSPACE: io.cwd };
  if (values['github-server-url']) env.GITHUB_SERVER_URL = values['github-server-url'];
  if (values['github-api-url']) env.GITHUB_API_URL = values['github-api-url'];
  const settings = await readSettings(await rawInputs(values, io), runEnvironment(env), { confineFiles: false });
  const original = settings.workDir;
  if (values['dry-run']) settings.workDir = await dryRunCopy(original);
  const view = liveView(io, format === 'text');
  try {
    const { result } = await runSettings(settings, { logger: logger(io, format === 'json'), mask: () => undefined, events: view.events, dryRun: values['dry-run'] });
    const diff = values['dry-run'] ? await workDirDiff(original, settings.workDir, clonedCommits(result.steps, result.state)) : undefined;
    printResult(io, result, format, diff);
    return result.status === 'Succeeded' ? 0 : 1;
  } finally {
    view.stop();
    if (values['dry-run']) await fs.rm(settings.workDir, { recursive: true, force: true });
  }
}

async function validateCommand(file: string | undefined, values: Values, io: Io): Promise<number> {
  if (!file) throw new InputError('validate: give the promotion file to check');
  const text = await fs.readFile(path.resolve(io.cwd, file), 'utf8').catch(() => {
    throw new InputError(`validate: cannot read ${file}`);
  });
  const definition = parsePromotionDefinition(text, file, values.stage);
  const vars = applyVarOverrides(definition.vars, {});
  const steps = inflateSteps(definition.steps, definition.tasks, vars);
  checkRequiredVars({ ...definition, requiredVars: [] }, {}, file);
  const problems = findProblems(steps, vars, builtinRegistry());
  for (const problem of problems) {
    const line = problem.source ? lineOf(text, problem.source) : undefined;
    io.err.write(`${file}${line ? `:${line}` : ''}: ${problem.message}\n`);
  }
  if (problems.length > 0) return 1;
  io.out.write(`${file}: ${steps.length} steps, valid\n`);
  return 0;
}

// `--steps '- uses: fail'`: a YAML list starts with a dash, which parseArgs would take for an
// option; a string option always takes the next argument as its value.
function joinOptionValues(argv: string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const spec = arg.startsWith('--') ? OPTIONS[arg.slice(2) as keyof typeof OPTIONS] : undefined;
    if (spec?.type === 'string' && i + 1 < argv.length) args.push(`${arg}=${argv[++i]}`);
    else args.push(arg);
  }
  return args;
}

export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: joinOptionValues(argv), options: OPTIONS, allowPositionals: true, strict: true });
    const [command, ...rest] = positionals;
    if (values.help || !command) {
      io.out.write(`${USAGE}\n`);
      return command || values.help ? 0 : 1;
    }
    if (command === 'run') return await runCommand(values, io);
    if (command === 'validate') return await validateCommand(rest[0], values, io);
    throw new InputError(`unknown command "${command}"; use run or validate (see --help)`);
  } catch (err) {
    io.err.write(`error: ${err instanceof InputError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? messageOf(err) : err instanceof Error ? err.stack : String(err)}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && /(cli(\/index)?\.(ts|js)|kargo-promote)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2), { out: process.stdout, err: process.stderr, env: process.env, cwd: process.cwd() }).then((code) => {
    process.exitCode = code;
  });
}
