import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { Conflict, DomainError, NotFound, RuleViolation, Unauthenticated, type FieldProblem } from '../engine/errors.js';
import { MoneyError } from '../engine/money/index.js';

/** RFC 9457 problem details, the one error shape of the API. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: readonly FieldProblem[];
}

const problemBase = 'https://sluice.dev/problems/';

export function sendProblem(res: Response, problem: Problem): void {
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

export function problem(status: number, code: string, title: string, detail: string, errors?: readonly FieldProblem[]): Problem {
  return { type: `${problemBase}${code}`, title, status, detail, code, ...(errors && errors.length > 0 ? { errors } : {}) };
}

/** Thrown by the HTTP layer itself (request validation). */
export class RequestInvalid extends Error {
  constructor(readonly problems: readonly FieldProblem[]) {
    super('the request is invalid');
  }
}

/** A body that is not JSON. */
export class UnsupportedMediaType extends Error {
  constructor() {
    super('send the body as application/json');
  }
}

function fromDomainError(error: DomainError): Problem {
  if (error instanceof NotFound) return problem(404, error.code, 'Not found', error.message);
  if (error instanceof Conflict) return problem(409, error.code, 'Conflict', error.message);
  if (error instanceof Unauthenticated) return problem(401, error.code, 'Unauthenticated', error.message);
  if (error instanceof RuleViolation) return problem(422, error.code, 'Unprocessable request', error.message, error.problems);
  return problem(400, error.code, 'Bad request', error.message);
}

/**
 * What PostgreSQL said, without the SQL statement knex prefixes to it (that is ours, not the
 * client's business). Our own triggers raise messages written for people.
 */
function databaseMessage(error: { message?: string; constraint?: string }): string {
  const text = error.message ?? '';
  const said = text.includes(' - ') ? text.slice(text.lastIndexOf(' - ') + 3) : text;
  if (/^(insert|update|delete|select|with) /i.test(said) || said.length === 0) {
    return error.constraint ? `the change breaks the rule "${error.constraint}"` : 'the ledger refused the change';
  }
  return said;
}

/**
 * PostgreSQL refusals that reach here mean the code's own checks missed something; they are
 * still the client's request being refused by a rule, so they are not 500s.
 */
function fromDatabaseError(error: { code?: string; message?: string; constraint?: string }): Problem | undefined {
  switch (error.code) {
    case '23505':
      return problem(409, 'duplicate', 'Conflict', 'a record with these values already exists');
    case '23503':
      return problem(422, 'reference_missing', 'Unprocessable request', 'the request refers to a record that does not exist');
    case '23514':
    case '23502':
    case '55000':
      return problem(422, 'ledger_rule', 'Unprocessable request', databaseMessage(error));
    case '22001':
    case '22003':
    case '22007':
    case '22008':
    case '22P02':
    case '22021':
    case '22P05':
      return problem(400, 'invalid_value', 'Bad request', 'a value is out of range or malformed');
    default:
      return undefined;
  }
}

function fromBodyParserError(error: { type?: string; status?: number }): Problem | undefined {
  if (error.type === 'entity.parse.failed') return problem(400, 'invalid_json', 'Bad request', 'the body is not valid JSON');
  if (error.type === 'entity.too.large') return problem(413, 'body_too_large', 'Payload too large', 'the body is larger than the server accepts');
  if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported') return problem(415, 'unsupported_encoding', 'Unsupported media type', 'send UTF-8 JSON');
  if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) return problem(error.status, 'bad_request', 'Bad request', 'the request could not be read');
  return undefined;
}

export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let answer: Problem | undefined;
    if (error instanceof UnsupportedMediaType) answer = problem(415, 'unsupported_media_type', 'Unsupported media type', error.message);
    else if (error instanceof RequestInvalid) answer = problem(400, 'validation_failed', 'Invalid request', 'the request does not match the expected shape', error.problems);
    else if (error instanceof DomainError) answer = fromDomainError(error);
    else if (error instanceof MoneyError) answer = problem(422, error.code, 'Unprocessable request', error.message);
    else answer = fromDatabaseError(error) ?? fromBodyParserError(error);
    if (!answer) {
      logger.error({ err: error, method: req.method, url: req.originalUrl }, 'unhandled error');
      answer = problem(500, 'internal', 'Internal error', 'something went wrong on our side; nothing was saved');
    }
    sendProblem(res, answer);
  };
}
