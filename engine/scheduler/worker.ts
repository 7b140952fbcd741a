import { pino } from 'pino';
import { loadConfig } from '../config.js';
import { buildContainer, disposeContainer } from '../container.js';
import { openDatabase } from '../db/database.js';
import { logRedactPaths } from '../security/index.js';
import { FlowScheduler } from './flow-scheduler.js';

/**
 * `npm run worker`: a scheduler-only process (no HTTP). Several workers and API processes may
 * share one PostgreSQL: Agenda's locks spread the jobs, run idempotency keys prevent doubles.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    // The embedded database belongs to one process; `npm start` already runs the scheduler.
    console.error('npm run worker needs DATABASE_URL (a PostgreSQL shared with the API); with the embedded database, npm start runs the scheduler itself.');
    process.exit(2);
  }
  const logger = pino({ level: config.logLevel, redact: { paths: logRedactPaths, censor: '[redacted]' } });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: process.env.SLUICE_DB_SCHEMA || undefined });
  const container = buildContainer(config, database, logger);
  await container.resolve(FlowScheduler).start();
  logger.info({ name: config.schedulerName }, 'worker started');
  const shutdown = async () => {
    await disposeContainer(container);
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
