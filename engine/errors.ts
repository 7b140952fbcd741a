/**
 * Domain errors: the engine says *what* went wrong; the API decides how to say it over HTTP.
 * Every error carries a stable machine-readable `code` (Stripe-style) and a human message.
 */
export interface FieldProblem {
  /** JSON pointer into the request, e.g. `/postings/1/amount`. */
  readonly field: string;
  readonly message: string;
  readonly code?: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request is well-formed but breaks a rule of the books (422). */
export class RuleViolation extends DomainError {
  readonly code: string;
  readonly problems: readonly FieldProblem[];
  constructor(message: string, problems: readonly FieldProblem[] = [], code = 'rule_violation') {
    super(message);
    this.code = code;
    this.problems = problems;
  }
}

/** The resource does not exist, or belongs to another household (we never tell which: 404). */
export class NotFound extends DomainError {
  readonly code = 'not_found';
  constructor(readonly resource: string, readonly id: string) {
    super(`${resource} ${id} was not found`);
  }
}

/** The request conflicts with the current state (409): already reversed, key reused, email taken. */
export class Conflict extends DomainError {
  readonly code: string;
  constructor(message: string, code = 'conflict') {
    super(message);
    this.code = code;
  }
}

/** Authentication failed or is missing (401). */
export class Unauthenticated extends DomainError {
  readonly code = 'unauthenticated';
}
