/**
 * What every benchmark script shares: its environment knobs, its own section of RESULTS.md, and
 * dropping the schema it ran in.
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const resultsFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');

/** An environment variable that must be a positive integer when set. */
export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/**
 * Replaces the text between `<!-- name:begin -->` and `<!-- name:end -->` in RESULTS.md, so each
 * script can be re-run alone; a missing section is appended, a file without markers replaced.
 */
export async function writeSection(name: string, body: string): Promise<void> {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${begin}\n${body.trim()}\n${end}`;
  let text = await readFile(resultsFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start >= 0 && stop > start) text = `${text.slice(0, start)}${block}${text.slice(stop + end.length)}`;
  else if (text.includes(':begin -->')) text = `${text.trimEnd()}\n\n${block}\n`;
  else text = `# Benchmark results\n\nEach benchmark script rewrites only its own section below (between its markers).\n\n${block}\n`;
  await writeFile(resultsFile, text);
}

/** Drops a benchmark's schema; a failure is reported, never thrown (the figures matter more). */
export async function dropSchema(databaseUrl: string, schema: string, log: (message: string) => void): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
  } catch (error) {
    log(`could not drop schema ${schema}: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The rows of a section's "Run" table that say when and on what machine it ran. */
export function machineRows(): string {
  const cpus = os.cpus();
  return [
    `| Date | ${new Date().toISOString()} |`,
    `| CPU | ${cpus[0]?.model.trim() ?? 'unknown'} × ${cpus.length} |`,
    `| Memory | ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB |`,
    `| OS | ${os.type()} ${os.release()} (${os.arch()}) |`,
    `| Node.js | ${process.version} |`,
  ].join('\n');
}
