import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Loads `migrations/*.ts` in name order. A custom source (rather than knex's directory loader)
 * lets the same files run under tsx, Vitest and compiled output without extension juggling.
 */
class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    const files = await readdir(migrationsDir);
    return files.filter((file) => /^\d+.*\.(ts|js)$/.test(file) && !file.endsWith('.d.ts')).sort();
  }
  getMigrationName(migration: string): string {
    return migration.replace(/\.(ts|js)$/, '');
  }
  async getMigration(migration: string): Promise<MigrationModule> {
    return (await import(pathToFileURL(path.join(migrationsDir, migration)).href)) as MigrationModule;
  }
}

export async function runMigrations(knex: Knex, schema?: string): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({
    migrationSource: new DirectoryMigrationSource(),
    schemaName: schema,
    tableName: 'knex_migrations',
  })) as [number, string[]];
  return applied;
}

export async function rollbackAll(knex: Knex, schema?: string): Promise<void> {
  await knex.migrate.rollback({ migrationSource: new DirectoryMigrationSource(), schemaName: schema }, true);
}
