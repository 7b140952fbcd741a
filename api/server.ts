import { pino } from 'pino';
import { loadConfig } from '../engine/config.js';
import { buildContainer, disposeContainer, Tokens } from '../engine/container.js';
import { schedulePruneJob } from '../engine/idempotency/prune.js';
import { FlowScheduler } from '../engine/scheduler/flow-scheduler.js';
import { openDatabase } from '../engine/db/database.js';
import { closeReadReplica } from '../engine/db/read-replica.js';
import { seedDemoIfEmpty } from '../engine/demo/demo-household.js';
import { logRedactPaths } from '../engine/security/index.js';
import { createApp } from './app.js';
import { BankSyncJobs } from '../engine/banking/bank-sync-job.js';
import { startLocalPlaidIfUnconfigured } from '../sandbox/plaid/embedded.js';

/** `npm start`: migrate, seed the demo household on an empty database, serve the API. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel, redact: { paths: logRedactPaths, censor: '[redacted]' } });
  // SLUICE_DB_SCHEMA (tests only, as in engine/scheduler/worker.ts): every table in that schema
  // of DATABASE_URL, so a test can run real API processes on a schema of its own.
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: process.env.SLUICE_DB_SCHEMA || undefined });
  logger.info({ mode: database.mode, dataDir: database.mode === 'embedded' ? config.dataDir : undefined }, 'database ready, migrations applied');
  const plaidSandbox = await startLocalPlaidIfUnconfigured(config, logger);
  const container = buildContainer(config, database, logger);
  if (config.seedDemo) {
    const demo = await seedDemoIfEmpty(container);
    if (demo.created) logger.info({ email: demo.email }, `demo household created; sign in with ${demo.email} / the password in README.md`);
  }
  if (config.runScheduler) {
    container.resolve(BankSyncJobs).define();
    await container.resolve(FlowScheduler).start();
    await container.resolve(BankSyncJobs).start();
    await schedulePruneJob(container.resolve(Tokens.Agenda).agenda, database.knex, logger);
    logger.info('scheduler started (Agenda on the same database)');
  }
  const app = createApp(container);
  const server = app.listen(config.port, () => {
    logger.info(`Sluice listening on http://localhost:${config.port} (API docs: http://localhost:${config.port}/api/docs)`);
  });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close(() => void disposeContainer(container).then(() => plaidSandbox?.close()).then(() => closeReadReplica(database)).then(() => database.close()).then(() => process.exit(0)));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
