import { ApiProblem } from '../api/client';

/**
 * Turns an API problem's field errors (JSON pointers such as "/postings/1/amount") into a form's
 * errors keyed by its own paths ("splits.1.amount"). `pathOf` maps a pointer's segments to a
 * form path, or null when the form has no input for it; those messages are returned as `unplaced`
 * so the form can show them above its buttons instead of dropping them.
 */
export function formErrorsOf(
  error: unknown,
  pathOf: (segments: string[]) => string | null = (segments) => segments.join('.'),
): { fieldErrors: Record<string, string>; unplaced: string[] } {
  if (!(error instanceof ApiProblem)) return { fieldErrors: {}, unplaced: [error instanceof Error ? error.message : String(error)] };
  const fieldErrors: Record<string, string> = {};
  const unplaced: string[] = [];
  for (const fieldError of error.errors) {
    const segments = fieldError.field.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
    const path = fieldError.field && fieldError.field !== '/' ? pathOf(segments) : null;
    if (path && !fieldErrors[path]) fieldErrors[path] = fieldError.message;
    else if (!path) unplaced.push(fieldError.field && fieldError.field !== '/' ? `${fieldError.field}: ${fieldError.message}` : fieldError.message);
  }
  if (error.errors.length === 0) unplaced.push(error.detail || error.title);
  return { fieldErrors, unplaced };
}
