import { pino } from 'pino';
import { loadConfig } from '../config.js';
import { buildContainer, disposeContainer, Tokens } from '../container.js';
import { schedulePruneJob } from '../idempotency/prune.js';
import { openDatabase } from '../db/database.js';
import { logRedactPaths } from '../security/index.js';
import { BankSyncJobs } from '../banking/bank-sync-job.js';
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
  // Bank syncs need real Plaid credentials here: the local sandbox of demo mode lives inside the
  // `npm start` process, where its syncs run; a worker without credentials leaves them to it.
  const plaid = config.banking.plaid;
  const syncsBanks = Boolean(plaid.clientId && plaid.secret);
  if (syncsBanks) container.resolve(BankSyncJobs).define();
  await container.resolve(FlowScheduler).start();
  if (syncsBanks) await container.resolve(BankSyncJobs).start();
  await schedulePruneJob(container.resolve(Tokens.Agenda).agenda, database.knex, logger);
  logger.info({ name: config.schedulerName, bankSync: syncsBanks }, 'worker started');
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
