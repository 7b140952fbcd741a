import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { expect } from 'vitest';

/** One HTTP answer, as a client saw it. */
export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

export async function send(url: string, auth: { Authorization: string }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

/** Runs `clients` loops at once, each doing `perClient` steps one after another. */
export async function concurrently<T>(clients: number, perClient: number, step: (client: number, index: number) => Promise<T>): Promise<T[]> {
  const loops = Array.from({ length: clients }, async (_unused, client) => {
    const results: T[] = [];
    for (let index = 0; index < perClient; index += 1) results.push(await step(client, index));
    return results;
  });
  return (await Promise.all(loops)).flat();
}

/** Status code → how many answers had it, for assertion messages a person can read. */
export function statusCounts(answers: readonly Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  return counts;
}

export const newKey = () => `test-${randomUUID()}`;

/**
 * The ledger's invariants over everything in the database: every journal balances per
 * currency and has at least two postings, every cached balance equals the sum of its
 * postings, every monthly summary equals its postings.
 */
export async function expectLedgerInvariants(sql: pg.Client): Promise<void> {
  const unbalanced = await sql.query(`select journal_id from postings group by journal_id, currency having sum(amount_minor) <> 0 limit 5`);
  expect(unbalanced.rows).toEqual([]);
  const thin = await sql.query(`select j.id from journals j left join postings p on p.journal_id = j.id group by j.id having count(p.id) < 2 limit 5`);
  expect(thin.rows).toEqual([]);
  const drifted = await sql.query(`
    select a.id, a.balance_minor::text as cached, coalesce(sum(p.amount_minor), 0)::text as summed
      from accounts a left join postings p on p.account_id = a.id
     group by a.id having a.balance_minor <> coalesce(sum(p.amount_minor), 0) limit 5`);
  expect(drifted.rows).toEqual([]);
  const summaries = await sql.query(`
    select t.account_id from account_monthly_totals t
      left join (select account_id, date_trunc('month', date)::date as month, sum(amount_minor) as net, count(*) as n
                   from postings group by 1, 2) p on p.account_id = t.account_id and p.month = t.month
     where t.net_minor <> coalesce(p.net, 0) or t.posting_count <> coalesce(p.n, 0) limit 5`);
  expect(summaries.rows).toEqual([]);
}

/**
 * Runs statements in one transaction on a raw client and returns the error PostgreSQL raised
 * (rolled back); throws if PostgreSQL accepted them all.
 */
export async function refusal(sql: pg.Client, statements: readonly string[]): Promise<{ code: string; message: string }> {
  await sql.query('begin');
  try {
    for (const statement of statements) await sql.query(statement);
    await sql.query('commit');
  } catch (error) {
    await sql.query('rollback').catch(() => undefined);
    return error as { code: string; message: string };
  }
  throw new Error('PostgreSQL accepted the statements');
}
