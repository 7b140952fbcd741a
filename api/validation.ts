import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FieldProblem } from '../engine/errors.js';
import { RequestInvalid } from './problem.js';

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Bodies: exact types, no coercion ("12" is not 12, 12.5 is not "12.50"). */
const bodyAjv = addFormats(new Ajv({ allErrors: true, strict: true, removeAdditional: false, verbose: true }));
bodyAjv.addKeyword('x-hint');
/** Query strings are text: numbers and booleans are coerced, nothing else is. */
const queryAjv = addFormats(new Ajv({ allErrors: true, strict: true, coerceTypes: true, useDefaults: true, verbose: true }));
queryAjv.addKeyword('x-hint');

export type JsonSchema = Record<string, unknown>;

function toProblems(errors: readonly ErrorObject[] | null | undefined, where: 'body' | 'query'): FieldProblem[] {
  return (errors ?? []).map((error) => {
    const base = where === 'query' ? '/query' : '';
    if (error.keyword === 'required') {
      return { field: `${base}${error.instancePath}/${(error.params as { missingProperty: string }).missingProperty}`, message: 'is required', code: 'required' };
    }
    if (error.keyword === 'additionalProperties') {
      return { field: `${base}${error.instancePath}/${(error.params as { additionalProperty: string }).additionalProperty}`, message: 'is not a known field', code: 'unknown_field' };
    }
    const hint = (error.parentSchema as { 'x-hint'?: string } | undefined)?.['x-hint'];
    return { field: `${base}${error.instancePath}` || '/', message: hint ? `${error.message}: ${hint}` : (error.message ?? 'is invalid'), code: error.keyword };
  });
}

export interface CompiledValidator {
  (value: unknown): void;
}

export function bodyValidator(schema: JsonSchema): CompiledValidator {
  const validate: ValidateFunction = bodyAjv.compile(schema);
  return (value) => {
    if (!validate(value)) throw new RequestInvalid(toProblems(validate.errors, 'body'));
  };
}

export function queryValidator(schema: JsonSchema): CompiledValidator {
  const validate: ValidateFunction = queryAjv.compile(schema);
  return (value) => {
    if (!validate(value)) throw new RequestInvalid(toProblems(validate.errors, 'query'));
  };
}
