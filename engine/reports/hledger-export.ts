import type { Knex } from 'knex';
import { formatMinor } from '../money/index.js';
import type { AccountType } from '../ledger/types.js';

/** hledger account type codes: declared, because entity prefixes hide the usual name-based guess. */
const hledgerType: Record<AccountType, string> = { asset: 'A', liability: 'L', equity: 'E', income: 'R', expense: 'X' };
const typeSegment: Record<AccountType, string> = { asset: 'assets', liability: 'liabilities', equity: 'equity', income: 'revenues', expense: 'expenses' };

interface ExportAccount {
  id: string;
  entity_id: string;
  slug: string;
  code: string;
  name: string;
  type: AccountType;
}

/** "Owner's Draws" -> "owners-draws": no colons (hledger's separator), no double spaces. */
function nameSegment(name: string): string {
  return (
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/['’]/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'account'
  );
}

/** hledger names per account id, unique within an entity (duplicate names get the code). */
export function hledgerAccountNames(accounts: readonly ExportAccount[]): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const account of [...accounts].sort((a, b) => a.slug.localeCompare(b.slug) || a.code.localeCompare(b.code))) {
    let name = `${account.slug}:${typeSegment[account.type]}:${nameSegment(account.name)}`;
    if (used.has(name)) name = `${name}-${nameSegment(account.code)}`;
    used.add(name);
    names.set(account.id, name);
  }
  return names;
}

/** Description text on one line, without hledger's comment or payee separators misread. */
function descriptionText(payee: string | null, memo: string): string {
  const clean = (text: string) => text.replace(/[\r\n\t]+/g, ' ').replace(/;/g, ',').replace(/\s{2,}/g, ' ').trim();
  const memoText = clean(memo).replace(/\|/g, '/');
  return payee ? `${clean(payee).replace(/\|/g, '/')} | ${memoText}` : memoText;
}

const journalPageSize = 2000;

interface ExportPosting {
  journal_id: string;
  account_id: string;
  amount_minor: bigint;
  currency: string;
}

/**
 * The household's ledger (or one entity's) as an hledger journal, streamed in date order.
 * Account names are prefixed by entity slug, so `hledger bal llc` shows one entity and
 * `hledger bs` the consolidated household.
 */
export async function* hledgerJournal(db: Knex, householdId: string, entityId?: string): AsyncGenerator<string> {
  const entityFilter = (query: Knex.QueryBuilder, column: string) => (entityId ? query.where(column, entityId) : query);
  const accounts: ExportAccount[] = await entityFilter(
    db('accounts as a').join('entities as e', 'e.id', 'a.entity_id').where('e.household_id', householdId).select('a.id', 'a.entity_id', 'e.slug', 'a.code', 'a.name', 'a.type'),
    'a.entity_id',
  );
  const names = hledgerAccountNames(accounts);
  yield `; Sluice ledger export${entityId ? ` (entity ${accounts[0]?.slug ?? entityId})` : ' (household)'}, generated ${new Date().toISOString()}\n`;
  yield '; Amounts are exact; debits positive. Tags: journal (Sluice id), source, transfer, reverses.\n\n';
  for (const account of accounts.sort((a, b) => names.get(a.id)!.localeCompare(names.get(b.id)!))) {
    yield `account ${names.get(account.id)}  ; type: ${hledgerType[account.type]}\n`;
  }
  yield '\n';
  let after: { date: string; seq: bigint } | undefined;
  for (;;) {
    const page = await entityFilter(
      db('journals as j').join('entities as e', 'e.id', 'j.entity_id').where('e.household_id', householdId),
      'j.entity_id',
    )
      .modify((query) => {
        if (after) query.andWhereRaw('(j.date, j.seq) > (?::date, ?::bigint)', [after.date, after.seq.toString()]);
      })
      .orderBy([{ column: 'j.date' }, { column: 'j.seq' }])
      .limit(journalPageSize)
      .select('j.id', 'j.seq', 'j.date', 'j.payee', 'j.memo', 'j.source', 'j.inter_entity_transfer_id', 'j.reverses_journal_id');
    if (page.length === 0) return;
    const postings: ExportPosting[] = await db('postings').whereIn('journal_id', page.map((journal: { id: string }) => journal.id)).orderBy('id').select('journal_id', 'account_id', 'amount_minor', 'currency');
    const byJournal = new Map<string, ExportPosting[]>();
    for (const posting of postings) byJournal.set(posting.journal_id, [...(byJournal.get(posting.journal_id) ?? []), posting]);
    const lines: string[] = [];
    for (const journal of page) {
      const tags = [`journal:${journal.id}`, `source:${journal.source}`];
      if (journal.inter_entity_transfer_id) tags.push(`transfer:${journal.inter_entity_transfer_id}`);
      if (journal.reverses_journal_id) tags.push(`reverses:${journal.reverses_journal_id}`);
      lines.push(`${journal.date} ${descriptionText(journal.payee, journal.memo)}  ; ${tags.join(', ')}`);
      for (const posting of byJournal.get(journal.id) ?? []) {
        lines.push(`    ${names.get(posting.account_id)}  ${formatMinor(posting.amount_minor, posting.currency)} ${posting.currency}`);
      }
      lines.push('');
    }
    yield `${lines.join('\n')}\n`;
    const last = page[page.length - 1]!;
    after = { date: last.date, seq: last.seq };
  }
}
