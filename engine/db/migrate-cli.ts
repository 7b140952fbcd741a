import { loadConfig } from '../config.js';
import { openDatabase } from './database.js';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database). */
const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: false });
const { runMigrations } = await import('./migrate.js');
const applied = await runMigrations(database.knex);
console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'already up to date');
await database.close();
