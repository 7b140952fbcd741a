import { Readable } from 'node:stream';
import type { Request, RequestHandler, Response, Router } from 'express';
import type { Knex } from 'knex';
import type { Actor } from '../engine/auth/actor.js';
import { requestFingerprint, withIdempotencyKey } from '../engine/idempotency/idempotency.js';
import { RequestInvalid, UnsupportedMediaType } from './problem.js';
import { bodyValidator, queryValidator, type JsonSchema } from './validation.js';
import { inTransaction } from '../engine/db/transaction.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export interface RouteResult {
  status?: number;
  body?: unknown;
  /** Non-JSON answers (exports): the body is sent as text with this content type. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RouteContext<Body, Query> {
  req: Request;
  params: Record<string, string>;
  body: Body;
  query: Query;
  /** Set on authenticated routes. */
  actor: Actor;
  db: Knex;
  /**
   * Runs a write in one database transaction. With an `Idempotency-Key` header the answer is
   * stored with the write, and a retry gets the stored answer instead of a second write.
   */
  write(work: (trx: Knex.Transaction) => Promise<{ status: number; body: unknown }>): Promise<RouteResult>;
}

export interface RouteSpec<Body = any, Query = any> {
  method: HttpMethod;
  /** Express path under /api/v1, e.g. `/entities/:entityId/journals`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: boolean;
  body?: JsonSchema;
  query?: Record<string, unknown>;
  /** Status and description of success, for the OpenAPI document. */
  success: { status: number; description: string; contentType?: string };
  idempotent?: boolean;
  handler(ctx: RouteContext<Body, Query>): Promise<RouteResult>;
}

const idempotencyKeyPattern = /^[\x21-\x7e]{1,200}$/;

/** The request's Idempotency-Key header, checked: 1-200 printable ASCII characters. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('Idempotency-Key');
  if (key !== undefined && !idempotencyKeyPattern.test(key)) {
    throw new RequestInvalid([{ field: '/headers/Idempotency-Key', message: 'must be 1-200 printable ASCII characters without spaces', code: 'invalid_idempotency_key' }]);
  }
  return key;
}

/** Deepest nesting accepted in a JSON body: deeper is an attack or a bug, never a flow. */
const maxBodyDepth = 32;

function jsonDepthExceeds(value: unknown, limit: number): boolean {
  // Iterative, so the check itself cannot overflow the stack it protects.
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(item as object)) stack.push([child, depth + 1]);
  }
  return false;
}

export interface MountDeps {
  db: Knex;
  authenticate: RequestHandler;
}

/** Routes are data: mounted on Express, and the same specs generate the OpenAPI document. */
export class RouteRegistry {
  readonly routes: RouteSpec[] = [];

  add<Body, Query>(spec: RouteSpec<Body, Query>): void {
    this.routes.push(spec as RouteSpec);
  }

  mount(router: Router, deps: MountDeps): void {
    for (const spec of this.routes) {
      const validateBody = spec.body ? bodyValidator(spec.body) : undefined;
      const validateQuery = queryValidator({ type: 'object', additionalProperties: false, properties: spec.query ?? {} });
      const handle: RequestHandler = async (req, res) => {
        const query = { ...(req.query as Record<string, unknown>) };
        rejectRepeatedQueryParams(query);
        validateQuery(query);
        const body = spec.body ? requestBody(req, spec.body) : undefined;
        if (validateBody) validateBody(body);
        const actor = res.locals.actor as Actor;
        const result = await spec.handler({
          req,
          params: req.params as Record<string, string>,
          body,
          query,
          actor,
          db: deps.db,
          write: (work) => runWrite(deps.db, req, actor, spec, work),
        });
        sendResult(res, result);
      };
      const chain = spec.auth ? [deps.authenticate, handle] : [handle];
      router[spec.method](spec.path, ...chain);
    }
  }
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

/**
 * The parsed JSON body. A body in another media type is refused (415) rather than ignored;
 * only a route whose fields are all optional (e.g. reverse) may be called with no body at all.
 */
function requestBody(req: Request, schema: JsonSchema): unknown {
  if (hasBody(req)) {
    if (!req.is('application/json')) throw new UnsupportedMediaType();
    if (jsonDepthExceeds(req.body, maxBodyDepth)) {
      throw new RequestInvalid([{ field: '/', message: `nested more than ${maxBodyDepth} levels deep`, code: 'too_deep' }]);
    }
    return req.body;
  }
  const allOptional = !(schema.required as unknown[] | undefined)?.length;
  return allOptional ? {} : undefined;
}

function rejectRepeatedQueryParams(query: Record<string, unknown>): void {
  const repeated = Object.entries(query).filter(([, value]) => typeof value !== 'string');
  if (repeated.length > 0) {
    throw new RequestInvalid(repeated.map(([name]) => ({ field: `/query/${name}`, message: 'give this parameter once, as plain text', code: 'repeated_parameter' })));
  }
}

async function runWrite(
  db: Knex,
  req: Request,
  actor: Actor | undefined,
  spec: RouteSpec,
  work: (trx: Knex.Transaction) => Promise<{ status: number; body: unknown }>,
): Promise<RouteResult> {
  const key = req.get('Idempotency-Key');
  if (key !== undefined && (!spec.idempotent || !actor)) {
    return (await inTransaction(db, work)) as RouteResult;
  }
  idempotencyKeyOf(req);
  const fingerprint = requestFingerprint(`${req.method} ${req.baseUrl}${req.path}`, req.body ?? null);
  const stored = await inTransaction(db, (trx) => withIdempotencyKey(trx, actor!.householdId, key, fingerprint, () => work(trx)));
  return { status: stored.status, body: stored.body, headers: stored.replayed ? { 'Idempotent-Replayed': 'true' } : {} };
}

function sendResult(res: Response, result: RouteResult): void {
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  res.status(result.status ?? 200);
  if (result.body === undefined) {
    res.end();
    return;
  }
  if (result.contentType) {
    res.type(result.contentType);
    if (typeof result.body === 'string') res.send(result.body);
    else Readable.from(result.body as AsyncIterable<string>).pipe(res);
    return;
  }
  res.type('application/json').send(JSON.stringify(result.body, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)));
}
