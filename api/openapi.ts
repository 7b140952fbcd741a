import type { RouteSpec } from './route.js';

/** Express `:param` to OpenAPI `{param}`. */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

const problemResponse = {
  description: 'Problem details (RFC 9457)',
  content: {
    'application/problem+json': {
      schema: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail', 'code'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          code: { type: 'string' },
          errors: {
            type: 'array',
            items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } } },
          },
        },
      },
    },
  },
};

/** Strips ajv-only annotations so the document is clean JSON Schema 2020-12. */
function publicSchema(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema, (key, value) => (key === 'x-hint' ? undefined : value)));
}

/** Path parameters that are not resource ids. */
const pathParamSchemas: Record<string, Record<string, unknown>> = {
  templateId: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' },
  month: { type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' },
};

/** The OpenAPI 3.1 document, generated from the same route specs and ajv schemas that validate. */
export function openApiDocument(routes: readonly RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = `/api/v1${openApiPath(route.path)}`;
    const pathParams = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: pathParamSchemas[match[1]!] ?? { type: 'string', format: 'uuid' },
    }));
    const queryParams = Object.entries(route.query ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema: publicSchema(schema) }));
    const operation: Record<string, unknown> = {
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      operationId: `${route.method}${openApiPath(route.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, next: string | undefined) => (next ? next.toUpperCase() : ''))}`,
      parameters: [
        ...pathParams,
        ...queryParams,
        ...(route.idempotent ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }] : []),
      ],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: publicSchema(route.body) } } } } : {}),
      responses: {
        [String(route.success.status)]: {
          description: route.success.description,
          ...(route.success.status === 204 ? {} : { content: { [route.success.contentType ?? 'application/json']: {} } }),
        },
        '4XX': problemResponse,
      },
      ...(route.auth ? { security: [{ bearer: [] }] } : {}),
    };
    paths[path] = { ...(paths[path] ?? {}), [route.method]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sluice API',
      version,
      description: 'Money flows over a multi-entity double-entry ledger. Money is a decimal string in the account currency; errors are application/problem+json.',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}
