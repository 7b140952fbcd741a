import type { Knex } from 'knex';
import type { AccountSubtype, AccountType, EntityKind, IsoDate } from '../ledger/types.js';
import { segmentsOf, type Segment } from './period.js';

/**
 * The one read path of every statement: per-account sums of postings over date ranges, answered
 * from the monthly summary (migrations/20261201_007_reports.ts) for whole months and from the
 * postings themselves only for the partial months at a range's ends. Both reads go through an
 * index on (account_id, month/date), one lateral lookup per segment.
 */

export interface ReportAccount {
  id: string;
  entityId: string;
  entityKind: EntityKind;
  entitySlug: string;
  code: string;
  name: string;
  type: AccountType;
  subtype: AccountSubtype;
  role: string | null;
  counterpartyEntityId: string | null;
  currency: string;
  scheduleCLine: string | null;
}

export interface AccountSum {
  debitMinor: bigint;
  creditMinor: bigint;
  /** Debit-positive. */
  netMinor: bigint;
  postingCount: bigint;
}

export type Sums = ReadonlyMap<string, AccountSum>;

export const zeroSum: AccountSum = Object.freeze({ debitMinor: 0n, creditMinor: 0n, netMinor: 0n, postingCount: 0n });

export function sumOf(sums: Sums, accountId: string): AccountSum {
  return sums.get(accountId) ?? zeroSum;
}

export function addSums(a: Sums, b: Sums): Map<string, AccountSum> {
  const total = new Map(a);
  for (const [id, sum] of b) {
    const prior = total.get(id) ?? zeroSum;
    total.set(id, {
      debitMinor: prior.debitMinor + sum.debitMinor,
      creditMinor: prior.creditMinor + sum.creditMinor,
      netMinor: prior.netMinor + sum.netMinor,
      postingCount: prior.postingCount + sum.postingCount,
    });
  }
  return total;
}

export async function reportAccounts(db: Knex, entityIds: readonly string[]): Promise<ReportAccount[]> {
  const rows = await db('accounts as a')
    .join('entities as e', 'e.id', 'a.entity_id')
    .whereIn('a.entity_id', entityIds)
    .orderBy([{ column: 'e.kind', order: 'desc' }, 'e.created_at', 'a.code'])
    .select('a.id', 'a.entity_id', 'e.kind as entity_kind', 'e.slug', 'a.code', 'a.name', 'a.type', 'a.subtype', 'a.role', 'a.counterparty_entity_id', 'a.currency', 'a.schedule_c_line');
  return rows.map((row) => ({
    id: row.id,
    entityId: row.entity_id,
    entityKind: row.entity_kind,
    entitySlug: row.slug,
    code: row.code,
    name: row.name,
    type: row.type,
    subtype: row.subtype,
    role: row.role,
    counterpartyEntityId: row.counterparty_entity_id,
    currency: row.currency.trim(),
    scheduleCLine: row.schedule_c_line,
  }));
}

export interface DateRange {
  /** Inclusive; undefined = since the beginning of the books. */
  from?: IsoDate | undefined;
  /** Inclusive. */
  to: IsoDate;
}

/**
 * Per-account sums for each range (in the order given), over the given accounts. Ranges may
 * overlap; each is summed on its own.
 */
export async function sumRanges(db: Knex, accountIds: readonly string[], ranges: readonly DateRange[]): Promise<Map<string, AccountSum>[]> {
  const results = ranges.map(() => new Map<string, AccountSum>());
  if (accountIds.length === 0 || ranges.length === 0) return results;
  const segments: { index: number; segment: Segment }[] = ranges.flatMap((range, index) => segmentsOf(range.from, range.to).map((segment) => ({ index, segment })));
  if (segments.length === 0) return results;
  const values = segments.map(() => '(?::int, ?::text, ?::date, ?::date)').join(', ');
  const bindings: Knex.RawBinding[] = segments.flatMap(({ index, segment }) =>
    segment.kind === 'months' ? [index, 'm', segment.firstMonth, segment.lastMonth] : [index, 'd', segment.from, segment.to],
  );
  const ids = [...accountIds];
  const { rows } = await db.raw<{ rows: { idx: number; account_id: string; debit: bigint; credit: bigint; net: bigint; n: bigint }[] }>(
    `with seg(idx, kind, s, e) as (values ${values})
     select seg.idx, x.account_id, x.debit, x.credit, x.net, x.n
       from seg cross join lateral (
         select m.account_id, sum(m.debit_minor)::bigint as debit, sum(m.credit_minor)::bigint as credit,
                sum(m.net_minor)::bigint as net, sum(m.posting_count)::bigint as n
           from account_monthly_totals m
          where seg.kind = 'm' and m.account_id = any(?::uuid[]) and m.month between seg.s and seg.e
          group by m.account_id
         union all
         select p.account_id, coalesce(sum(p.amount_minor) filter (where p.amount_minor > 0), 0)::bigint,
                coalesce(-sum(p.amount_minor) filter (where p.amount_minor < 0), 0)::bigint,
                sum(p.amount_minor)::bigint, count(*)::bigint
           from postings p
          where seg.kind = 'd' and p.account_id = any(?::uuid[]) and p.date between seg.s and seg.e
          group by p.account_id
       ) x`,
    [...bindings, ids, ids],
  );
  for (const row of rows) {
    const target = results[row.idx]!;
    const prior = target.get(row.account_id) ?? zeroSum;
    target.set(row.account_id, {
      debitMinor: prior.debitMinor + row.debit,
      creditMinor: prior.creditMinor + row.credit,
      netMinor: prior.netMinor + row.net,
      postingCount: prior.postingCount + row.n,
    });
  }
  return results;
}
