import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import type { DependencyContainer } from 'tsyringe';
import { AuthService } from '../engine/auth/auth-service.js';
import type { AppConfig } from '../engine/config.js';
import { Tokens } from '../engine/container.js';
import { Unauthenticated } from '../engine/errors.js';
import { openApiDocument } from './openapi.js';
import { problem, problemHandler, sendProblem } from './problem.js';
import { RouteRegistry } from './route.js';
import { alertRoutes } from './routes/alerts.js';
import { authRoutes } from './routes/auth.js';
import { bankingRoutes } from './routes/banking.js';
import { budgetRoutes } from './routes/budget.js';
import { entityRoutes } from './routes/entities.js';
import { exportRoutes } from './routes/exports.js';
import { flowRoutes } from './routes/flows.js';
import { journalRoutes } from './routes/journals.js';
import { reportRoutes } from './routes/reports.js';
import { transferRoutes } from './routes/transfers.js';

export const apiVersion = '0.1.0';

/** Helmet's defaults, minus upgrade-insecure-requests: self-hosted over plain http on a LAN must work. */
const cspDirectives = { 'upgrade-insecure-requests': null };

function bearerAuth(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    const match = header?.match(/^Bearer ([A-Za-z0-9._~+/=-]{10,4096})$/);
    if (!match) throw new Unauthenticated('send an access token: Authorization: Bearer <token>');
    res.locals.actor = await auth.authenticate(match[1]!);
    next();
  };
}

export function buildRoutes(container: DependencyContainer): RouteRegistry {
  const routes = new RouteRegistry();
  authRoutes(routes, container);
  entityRoutes(routes, container);
  journalRoutes(routes, container);
  transferRoutes(routes, container);
  exportRoutes(routes, container);
  flowRoutes(routes, container);
  alertRoutes(routes, container);
  bankingRoutes(routes, container);
  budgetRoutes(routes, container);
  reportRoutes(routes, container);
  return routes;
}

/** The HTTP application, without a port: tests drive it with supertest. */
/** Largest body of the journal batch route (10,000 journals of a few postings fit well within). */
const batchBodyLimitBytes = 16 * 1024 * 1024;

export function createApp(container: DependencyContainer): express.Express {
  const config = container.resolve<AppConfig>(Tokens.Config);
  const logger = container.resolve<Logger>(Tokens.Logger);
  const db = container.resolve<Knex>(Tokens.Knex);
  const routes = buildRoutes(container);
  const document = openApiDocument(routes.routes, apiVersion);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(pinoHttp({ logger, autoLogging: { ignore: (req) => req.url === '/api/health' } }));
  app.get('/api/openapi.json', (_req, res) => void res.json(document));
  // Swagger UI needs inline styles and data: images; everything else keeps helmet's strict CSP.
  app.use(
    '/api/docs',
    helmet({ contentSecurityPolicy: { directives: { ...cspDirectives, 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] } } }),
    swaggerUi.serve,
    swaggerUi.setup(document, { customSiteTitle: 'Sluice API' }),
  );
  app.use(helmet({ contentSecurityPolicy: { directives: cspDirectives } }));
  app.get('/api/health', async (_req, res) => {
    await db.raw('select 1');
    res.json({ status: 'ok', version: apiVersion });
  });

  const api = express.Router();
  // The bulk path takes up to 10,000 journals in one body; everything else keeps the small limit.
  api.use('/entities/:entityId/journals/batch', express.json({ limit: batchBodyLimitBytes, strict: false }));
  // Plaid's webhook signature covers the raw bytes, so that one route keeps them.
  api.use(express.json({ limit: config.bodyLimitBytes, strict: false, verify: (req, _res, raw) => void (req.url === '/banking/webhook' && Object.assign(req, { rawBody: raw })) }));
  api.use(
    '/auth',
    rateLimit({
      windowMs: config.authRateLimit.windowMs,
      limit: config.authRateLimit.limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      handler: (_req, res) => sendProblem(res, problem(429, 'rate_limited', 'Too many requests', 'too many sign-in attempts; wait a minute and try again')),
    }),
  );
  routes.mount(api, { db, authenticate: bearerAuth(container.resolve(AuthService)) });
  api.use((req, res) => sendProblem(res, problem(404, 'no_route', 'Not found', `no route ${req.method} ${req.originalUrl}`)));
  app.use('/api/v1', api);
  app.use('/api', (req, res) => sendProblem(res, problem(404, 'no_route', 'Not found', `no route ${req.method} ${req.originalUrl}; the API lives under /api/v1`)));
  serveStudio(app);
  app.use(problemHandler(logger));
  return app;
}

const studioDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../studio/dist');

/**
 * The built studio (studio/dist, from `npm run build:studio`) on the same port as the API; any
 * other GET answers index.html so the studio's own routes survive a reload.
 */
function serveStudio(app: express.Express): void {
  const index = path.join(studioDist, 'index.html');
  // Hashed file names: assets may be cached for a year; index.html never.
  app.use('/assets', express.static(path.join(studioDist, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
  app.use(express.static(studioDist, { index: false }));
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The studio is not built yet: run `npm run build:studio` (npm start does it for you).');
      return;
    }
    res.set('cache-control', 'no-cache').sendFile(index);
  });
}
