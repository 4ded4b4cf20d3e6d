// From what a door read (texts and names) to a promotion ready to run: parse, inflate,
// validate. Shared by the action and the CLI so that both accept and refuse the same inputs.

import path from 'node:path';
import type { StepRunnerRegistry } from '../runners/index.js';
import type { PromotionInput } from './engine.js';
import { InputError } from './errors.js';
import type { FreightRequest } from './freight.js';
import {
  applyVarOverrides,
  checkRequiredVars,
  parseFreightInput,
  parsePromotionDefinition,
  type FreightInput
} from './load.js';
import { inflateSteps } from './steps.js';
import { validatePromotion } from './validate.js';

export interface PromotionRequest {
  /** YAML of the steps (inline input or file contents) and where it came from, for messages. */
  stepsText: string;
  stepsSource: string;
  freightText?: string;
  freightSource?: string;
  /** Freight to use when none is given (the action builds one from the workflow's context). */
  defaultFreight?: FreightInput;
  vars: Record<string, string>;
  project?: string;
  stage?: string;
  promotion: string;
  actor: string;
  uiBaseURL: string;
  workDir: string;
  /** Used when neither the project input nor a Stage's namespace names the project. */
  defaultProject: string;
}

export interface PreparedPromotion extends PromotionInput {
  /** Where the steps came from, e.g. a Stage: `Stage "test"`. */
  description: string;
}

function freightFrom(request: PromotionRequest): FreightInput {
  if (request.freightText !== undefined && request.freightText.trim() !== '') {
    return parseFreightInput(request.freightText, request.freightSource ?? 'freight');
  }
  return request.defaultFreight ?? { collection: { items: {} }, warehouses: [] };
}

/** Parse, inflate and check a promotion; throws InputError listing every problem found. */
export function preparePromotion(request: PromotionRequest, registry: StepRunnerRegistry): PreparedPromotion {
  const definition = parsePromotionDefinition(request.stepsText, request.stepsSource, request.stage);
  checkRequiredVars(definition, request.vars, request.stepsSource);
  const vars = applyVarOverrides(definition.vars, request.vars);
  const steps = inflateSteps(definition.steps, definition.tasks, vars);
  if (steps.length === 0) throw new InputError(`${request.stepsSource}: the promotion has no steps`);
  const problems = validatePromotion(steps, vars, registry);
  if (problems.length > 0) {
    throw new InputError(`${request.stepsSource}: ${problems.length} problem${problems.length > 1 ? 's' : ''} found before running:\n- ${problems.join('\n- ')}`);
  }
  const freight = freightFrom(request);
  const freightRequests: FreightRequest[] =
    definition.stage?.requestedFreight.length
      ? definition.stage.requestedFreight
      : Object.values(freight.collection.items).map((f) => ({ origin: f.origin }));
  return {
    description: definition.stage ? `Stage "${definition.stage.name}"` : request.stepsSource,
    steps,
    vars,
    info: {
      uiBaseURL: request.uiBaseURL,
      workDir: path.resolve(request.workDir),
      project: request.project || definition.stage?.namespace || request.defaultProject,
      stage: request.stage || definition.stage?.name || 'default',
      promotion: request.promotion,
      actor: request.actor,
      rollback: false,
      targetFreight: freight.target
    },
    freight: freight.collection,
    freightRequests,
    sources: {
      freight: freight.collection,
      requests: freightRequests,
      warehouses: [...definition.warehouses, ...freight.warehouses]
    }
  };
}
