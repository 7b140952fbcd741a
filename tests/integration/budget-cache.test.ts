/**
 * The board is kept in memory per API process (engine/budget/board-cache.ts): here two API
 * instances — each its own container, cache and connection pool — on one schema, plus a fresh
 * instance with an empty cache as the reference. Every kind of write is visible on the very
 * next read through either instance; reads racing writes never show a board older than the
 * last write that committed before they started; a transaction reads its own uncommitted rows
 * and no one else keeps them.
 */
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { pino } from 'pino';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import type { Actor } from '../../engine/auth/actor.js';
import { BudgetService } from '../../engine/budget/budget-service.js';
import { buildContainer, disposeContainer, Tokens } from '../../engine/container.js';
import { openDatabase, type Database } from '../../engine/db/database.js';
import { send } from '../support/concurrency.js';
import { createHousehold, listen, testDatabaseUrl, type Household, type TestApp, startTestApp } from '../support/test-app.js';

interface Cell {
  id: string;
  assigned: string;
  activity: string;
  available: string;
}
interface Board {
  toBeAssigned: string;
  reconciliation: { onBudgetCash: string; balanced: boolean };
  groups: { categories: Cell[] }[];
}

/** A second API process as far as the board is concerned: its own pool, container and cache. */
interface Instance {
  url: string;
  close(): Promise<void>;
}

let t: TestApp;
let h: Household;
let first: Instance;
let second: Instance;
let secondDatabase: Database;
let sql: pg.Client;
const month = '2026-03';

const acct = (code: string) => h.account('personal', code).id;
const cellOf = (board: Board, id: string) => board.groups.flatMap((group) => group.categories).find((cell) => cell.id === id)!;
const cents = (text: string) => BigInt(text.replace('.', ''));

/** An app on its own database handle to the same schema (what another API process has). */
async function secondApp(): Promise<{ app: Express; close(): Promise<void> }> {
  secondDatabase = await openDatabase({ databaseUrl: testDatabaseUrl, schema: t.schema, poolMax: 4, migrate: false });
  const container = buildContainer(t.container.resolve(Tokens.Config), secondDatabase, pino({ level: 'silent' }));
  return {
    app: createApp(container),
    async close() {
      await disposeContainer(container);
      await secondDatabase.close();
    },
  };
}

/** A container that has never read the board: what it answers is the board from scratch. */
async function freshBoard(): Promise<Board> {
  const container = buildContainer(t.container.resolve(Tokens.Config), t.database, pino({ level: 'silent' }));
  const instance = await listen(createApp(container));
  try {
    return await read(instance);
  } finally {
    await instance.close();
    await disposeContainer(container);
  }
}

async function read(instance: Instance, at = month): Promise<Board> {
  const answer = await send(instance.url, h.auth, 'GET', `/entities/${h.personal.id}/budget/${at}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.reconciliation.balanced).toBe(true);
  return answer.body as Board;
}

async function write(instance: Instance, method: string, path: string, body: unknown, status = 200) {
  const answer = await send(instance.url, h.auth, method, path, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  return answer.body;
}

const boardPath = (rest = '') => `/entities/${h.personal.id}/budget/${month}${rest}`;

/** A balanced journal inserted by SQL outside the application (another tool, a migration, psql). */
async function rawJournal(debit: string, credit: string, amountMinor: number, date = `${month}-20`) {
  const id = randomUUID();
  await sql.query('begin');
  await sql.query(`insert into journals (id, entity_id, date, memo, source) values ($1, $2, $3, 'by SQL', 'import')`, [id, h.personal.id, date]);
  await sql.query(
    `insert into postings (journal_id, entity_id, date, account_id, amount_minor, currency) values ($1, $2, $3, $4, $5, 'USD'), ($1, $2, $3, $6, $7, 'USD')`,
    [id, h.personal.id, date, debit, amountMinor, credit, -amountMinor],
  );
  await sql.query('commit');
}

beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
  sql = await t.rawClient();
  first = await listen(t.app);
  const other = await secondApp();
  const listening = await listen(other.app);
  second = { url: listening.url, close: async () => { await listening.close(); await other.close(); } };
  await write(first, 'POST', `/entities/${h.personal.id}/journals`, { date: '2026-01-01', memo: 'Opening', postings: [{ accountId: acct('1000'), amount: '5000.00' }, { accountId: acct('opening_balance'), amount: '-5000.00' }] }, 201);
  await write(first, 'POST', `/entities/${h.personal.id}/journals`, { date: `${month}-01`, memo: 'Salary', postings: [{ accountId: acct('1000'), amount: '3000.00' }, { accountId: acct('4000'), amount: '-3000.00' }] }, 201);
  await write(first, 'PUT', boardPath(`/categories/${acct('5020')}`), { assigned: '400.00' });
  // Both instances hold the board from here on.
  await read(first);
  await read(second);
});

afterAll(async () => {
  await first?.close();
  await second?.close();
  await t?.close();
});

describe('the very next read shows a write, through either instance', () => {
  it('an assignment', async () => {
    await write(first, 'PUT', boardPath(`/categories/${acct('5000')}`), { assigned: '1500.00' });
    for (const instance of [first, second]) expect(cellOf(await read(instance), acct('5000')).assigned).toBe('1500.00');
    await write(second, 'PUT', boardPath(`/categories/${acct('5000')}`), { assigned: '1400.00' });
    for (const instance of [second, first]) expect(cellOf(await read(instance), acct('5000')).assigned).toBe('1400.00');
    expect(await read(first)).toEqual(await freshBoard());
  });

  it('a move', async () => {
    await write(second, 'POST', boardPath('/move'), { fromCategoryId: acct('5020'), toCategoryId: acct('5120'), amount: '25.00' });
    for (const instance of [first, second]) {
      const board = await read(instance);
      expect([cellOf(board, acct('5020')).assigned, cellOf(board, acct('5120')).assigned]).toEqual(['375.00', '25.00']);
    }
    expect(await read(second)).toEqual(await freshBoard());
  });

  it('a new journal in a category, through the API', async () => {
    await write(first, 'POST', `/entities/${h.personal.id}/journals`, { date: `${month}-12`, memo: 'Groceries', postings: [{ accountId: acct('5020'), amount: '42.10' }, { accountId: acct('1000'), amount: '-42.10' }] }, 201);
    for (const instance of [first, second]) expect(cellOf(await read(instance), acct('5020'))).toMatchObject({ activity: '-42.10', available: '332.90' });
    expect(await read(first)).toEqual(await freshBoard());
  });

  it('a journal posted by raw SQL, outside the application', async () => {
    const before = await read(second);
    await rawJournal(acct('5020'), acct('2000'), 1_999);
    for (const instance of [second, first]) {
      const board = await read(instance);
      expect(cellOf(board, acct('5020')).activity).toBe('-62.09');
      // On the card: its payment category now holds what the card is owed.
      expect(cents(cellOf(board, acct('2000')).available) - cents(cellOf(before, acct('2000')).available)).toBe(1_999n);
    }
    expect(await read(first)).toEqual(await freshBoard());
  });

  it('a journal touching no on-budget account counts for nothing, cached or read afresh', async () => {
    const before = await read(first);
    // Groceries paid with the auto loan: no cash or card involved, so the budget does not see it.
    await write(second, 'POST', `/entities/${h.personal.id}/journals`, { date: `${month}-14`, memo: 'On the loan', postings: [{ accountId: acct('5020'), amount: '80.00' }, { accountId: acct('2210'), amount: '-80.00' }] }, 201);
    await rawJournal(acct('5120'), acct('2210'), 3_000, '2026-01-15');
    for (const instance of [first, second]) expect(await read(instance)).toEqual(before);
    expect(await freshBoard()).toEqual(before);
  });

  it('a hold, a target and a journal in an earlier month (the months after it follow)', async () => {
    await write(first, 'PUT', boardPath('/hold'), { amount: '100.00' });
    await write(second, 'PUT', `/categories/${acct('5110')}/target`, { kind: 'monthly', amount: '50.00' });
    await rawJournal(acct('1000'), acct('4000'), 10_000, '2026-02-10');
    for (const instance of [first, second]) {
      const board = await read(instance);
      expect(cellOf(board, acct('5110'))).toMatchObject({ needed: '50.00', underfunded: true });
      expect(board).toEqual(await freshBoard());
    }
  });
});

describe('concurrent reads and writes', () => {
  it('never show a board older than the last write that committed before the read began', async () => {
    const category = acct('5110');
    const writes = 24;
    /** When each write had committed (its answer arrived), by the value it left. */
    const assignedAt: { value: bigint; done: number }[] = [];
    const cashAt: { value: bigint; done: number }[] = [];
    const startCash = cents((await read(first)).reconciliation.onBudgetCash);
    const assigner = (async () => {
      for (let index = 1; index <= writes; index += 1) {
        await write(index % 2 === 0 ? first : second, 'PUT', boardPath(`/categories/${category}`), { assigned: `${index}.00` });
        assignedAt.push({ value: BigInt(index * 100), done: performance.now() });
      }
    })();
    const poster = (async () => {
      for (let index = 1; index <= writes; index += 1) {
        if (index % 2 === 0) await rawJournal(acct('1000'), acct('4000'), 1);
        else await write(second, 'POST', `/entities/${h.personal.id}/journals`, { date: `${month}-21`, memo: 'Interest', postings: [{ accountId: acct('1000'), amount: '0.01' }, { accountId: acct('4000'), amount: '-0.01' }] }, 201);
        cashAt.push({ value: startCash + BigInt(index), done: performance.now() });
      }
    })();
    let writing = true;
    const seen: { began: number; assigned: bigint; cash: bigint }[] = [];
    const reader = async (instance: Instance) => {
      while (writing) {
        const began = performance.now();
        const board = await read(instance);
        seen.push({ began, assigned: cents(cellOf(board, category).assigned), cash: cents(board.reconciliation.onBudgetCash) });
      }
    };
    const readers = [reader(first), reader(second), reader(first), reader(second)];
    await Promise.all([assigner, poster]);
    writing = false;
    await Promise.all(readers);
    const committedBefore = (log: { value: bigint; done: number }[], began: number, floor: bigint) => log.filter((entry) => entry.done < began).reduce((max, entry) => (entry.value > max ? entry.value : max), floor);
    const stale = seen.filter((read) => read.assigned < committedBefore(assignedAt, read.began, 0n) || read.cash < committedBefore(cashAt, read.began, startCash));
    expect(seen.length).toBeGreaterThan(writes);
    expect(stale).toEqual([]);
    const last = await read(second);
    expect([cents(cellOf(last, category).assigned), cents(last.reconciliation.onBudgetCash)]).toEqual([BigInt(writes * 100), startCash + BigInt(writes)]);
    expect(last).toEqual(await freshBoard());
  });
});

describe('reads inside a transaction', () => {
  const actor = (): Actor => ({ userId: h.userId, householdId: h.householdId });

  it('see their own uncommitted journals; no one else keeps them', async () => {
    const budget = t.container.resolve(BudgetService);
    const before = await read(first);
    await t.database.knex
      .transaction(async (trx) => {
        const id = randomUUID();
        await trx.raw(`insert into journals (id, entity_id, date, memo, source) values (?, ?, ?, 'rolled back', 'import')`, [id, h.personal.id, `${month}-22`]);
        await trx.raw(`insert into postings (journal_id, entity_id, date, account_id, amount_minor, currency) values (?, ?, ?, ?, 5000, 'USD'), (?, ?, ?, ?, -5000, 'USD')`, [id, h.personal.id, `${month}-22`, acct('5020'), id, h.personal.id, `${month}-22`, acct('1000')]);
        const inside = await budget.board(trx, actor(), h.personal.id, month);
        expect(cents(cellOf(inside as Board, acct('5020')).activity)).toBe(cents(cellOf(before, acct('5020')).activity) - 5_000n);
        throw new Error('roll back');
      })
      .catch((error: Error) => expect(error.message).toBe('roll back'));
    expect(await read(first)).toEqual(before);
  });

  it('a transaction that read the board first still shows what it wrote after, once committed', async () => {
    const budget = t.container.resolve(BudgetService);
    const before = await read(first);
    await t.database.knex.transaction(async (trx) => {
      // An id of its own first (as an Idempotency-Key row gives a budget write), a later
      // transaction done meanwhile (so this one's id is below the snapshot's xmax), then the read.
      await trx.raw('select pg_current_xact_id()');
      await sql.query('select pg_current_xact_id()');
      await budget.board(trx, actor(), h.personal.id, month);
      const id = randomUUID();
      await trx.raw(`insert into journals (id, entity_id, date, memo, source) values (?, ?, ?, 'after the read', 'import')`, [id, h.personal.id, `${month}-23`]);
      await trx.raw(`insert into postings (journal_id, entity_id, date, account_id, amount_minor, currency) values (?, ?, ?, ?, 700, 'USD'), (?, ?, ?, ?, -700, 'USD')`, [id, h.personal.id, `${month}-23`, acct('5020'), id, h.personal.id, `${month}-23`, acct('1000')]);
    });
    const after = await read(first);
    expect(cents(cellOf(after, acct('5020')).activity)).toBe(cents(cellOf(before, acct('5020')).activity) - 700n);
    expect(after).toEqual(await freshBoard());
  });
});
