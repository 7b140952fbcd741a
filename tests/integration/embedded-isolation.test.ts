import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../engine/db/transaction.js';
import { JournalService } from '../../engine/ledger/journals.js';
import { FlowScheduler } from '../../engine/scheduler/flow-scheduler.js';
import { send, statusCounts } from '../support/concurrency.js';
import { createHousehold, listen, startEmbeddedTestApp, type Household, type TestApp } from '../support/test-app.js';

/**
 * The embedded default (what `npm start` runs without DATABASE_URL) is a correct PostgreSQL:
 * concurrent requests and the in-process scheduler never see each other's statements,
 * parameters, results or transactions.
 */
let t: TestApp;
let h: Household;
let url: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  t = await startEmbeddedTestApp({ schedulerPollMs: 100 });
  h = await createHousehold(t.app);
  const server = await listen(t.app);
  url = server.url;
  stop = server.close;
  // Agenda polls the same database all along, as in `npm start`.
  await t.container.resolve(FlowScheduler).start();
}, 120_000);
afterAll(async () => {
  await stop?.();
  await t?.close();
});

const memoCount = async (memo: string) => (await t.database.knex('journals').where({ memo }).count<{ n: bigint }[]>({ n: '*' }))[0]!.n;

function journal(memo: string, amount = '12.34', entity: 'llc' | 'personal' = 'llc') {
  return { date: '2026-07-01', memo, postings: [{ accountId: h.account(entity, '1000').id, amount }, { accountId: h.account(entity, '4000').id, amount: `-${amount}` }] };
}

/** Resolves when `release()` is called: lets a test hold a transaction open at a chosen moment. */
function gate() {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  return { opened, release };
}

describe('the embedded database keeps concurrent work apart', () => {
  it('request A writes and then fails while request B commits: B stays, none of A remains', async () => {
    const journals = t.container.resolve(JournalService);
    const aWrote = gate();
    const bCommitted = gate();
    const requestA = inTransaction(t.database.knex, async (trx) => {
      // The personal books: B, in the LLC's, does not wait for the account rows A has locked.
      await journals.post({ userId: h.userId, householdId: h.householdId }, h.personal.id, journal('A: rolled back', '12.34', 'personal'), trx);
      aWrote.release();
      await bCommitted.opened;
      throw new Error('request A fails after writing');
    });
    await aWrote.opened;
    // A's transaction is open (and its writes invisible); B posts on another connection.
    const b = await send(url, h.auth, 'POST', `/entities/${h.llc.id}/journals`, journal('B: committed'));
    bCommitted.release();
    await expect(requestA).rejects.toThrow('request A fails after writing');
    expect(b.status).toBe(201);
    expect(await memoCount('B: committed')).toBe(1n);
    expect(await memoCount('A: rolled back')).toBe(0n);
    const stored = await send(url, h.auth, 'GET', `/journals/${b.body.id}`);
    expect(stored.body.memo).toBe('B: committed');
  });

  it('the other way round: B fails while A, opened first, commits', async () => {
    const journals = t.container.resolve(JournalService);
    const actor = { userId: h.userId, householdId: h.householdId };
    const aWrote = gate();
    const bFailed = gate();
    const requestA = inTransaction(t.database.knex, async (trx) => {
      const posted = await journals.post(actor, h.personal.id, journal('A2: committed', '12.34', 'personal'), trx);
      aWrote.release();
      await bFailed.opened;
      return posted;
    });
    await aWrote.opened;
    const requestB = inTransaction(t.database.knex, async (trx) => {
      await journals.post(actor, h.llc.id, journal('B2: rolled back'), trx);
      throw new Error('request B fails');
    });
    await expect(requestB).rejects.toThrow('request B fails');
    bFailed.release();
    expect((await requestA).memo).toBe('A2: committed');
    expect(await memoCount('A2: committed')).toBe(1n);
    expect(await memoCount('B2: rolled back')).toBe(0n);
  });

  it('50 concurrent mixed reads and writes: no errors, every answer belongs to its own request', async () => {
    const seeded: { id: string; memo: string }[] = [];
    for (let index = 0; index < 10; index += 1) seeded.push((await send(url, h.auth, 'POST', `/entities/${h.llc.id}/journals`, journal(`seeded ${index}`, `${index + 1}.00`))).body);
    const requests = Array.from({ length: 50 }, (_unused, index) => {
      switch (index % 5) {
        case 0:
        case 1:
          return { check: (answer: any) => answer.body.memo === `write ${index}`, answer: send(url, h.auth, 'POST', `/entities/${h.llc.id}/journals`, journal(`write ${index}`, `${index}.01`), { 'Idempotency-Key': `mixed-${index}` }) };
        case 2: {
          const target = seeded[index % seeded.length]!;
          return { check: (answer: any) => answer.body.id === target.id && answer.body.memo === target.memo, answer: send(url, h.auth, 'GET', `/journals/${target.id}`) };
        }
        case 3:
          return { check: (answer: any) => answer.body.data.every((journal: { entityId: string }) => journal.entityId === h.personal.id), answer: send(url, h.auth, 'GET', `/entities/${h.personal.id}/journals?limit=20`) };
        default:
          return { check: (answer: any) => answer.body.data.length === h.llc.accounts.length && answer.body.data.every((account: { entityId: string }) => account.entityId === h.llc.id), answer: send(url, h.auth, 'GET', `/entities/${h.llc.id}/accounts`) };
      }
    });
    const answers = await Promise.all(requests.map((request) => request.answer));
    expect(statusCounts(answers)).toEqual({ 200: 30, 201: 20 });
    requests.forEach((request, index) => expect(request.check(answers[index]), `request ${index}`).toBe(true));
    // The balance is exactly the seeded and written journals: nothing was lost or doubled.
    const writtenCents = Array.from({ length: 50 }, (_unused, index) => index).filter((index) => index % 5 < 2).reduce((sum, index) => sum + index * 100 + 1, 0);
    const seededCents = Array.from({ length: 10 }, (_unused, index) => (index + 1) * 100).reduce((sum, cents) => sum + cents, 0);
    const earlierCents = 1234; // B above (A2 went to the personal books)
    expect((await h.balances('llc')).get('1000')).toBe(((writtenCents + seededCents + earlierCents) / 100).toFixed(2));
  }, 60_000);
});
