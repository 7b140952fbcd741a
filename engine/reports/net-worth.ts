import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import { intercompanyRoles, type PairRole } from '../ledger/chart-of-accounts.js';
import type { IsoDate } from '../ledger/types.js';
import { formatMinor } from '../money/index.js';
import { sumOf, sumRanges, addSums, type ReportAccount, type Sums } from './account-sums.js';
import { addDays, intervalBuckets, maxHistoryPoints, type Interval } from './period.js';
import type { ReportDocument } from './report-document.js';
import { householdScope, type ReportEntity } from './report-scope.js';
import { RuleViolation } from '../errors.js';

/**
 * Household net worth. Each entity's net worth is its assets minus its liabilities. On
 * consolidation the intercompany balances — member loans and due to/from between the
 * household's own entities — are a receivable on one side and a payable on the other, so they
 * are eliminated: consolidated net worth = Σ entity net worths − Σ intercompany balances
 * (debit-positive), which is zero whenever the two sides reconcile. Draws, contributions and
 * member loans move money between entities and leave the consolidated figure unchanged.
 */

const intercompany = new Set<string>(intercompanyRoles as readonly PairRole[]);

/** An account that holds a balance with another entity of the same household. */
export function isIntercompany(account: ReportAccount, householdEntityIds: ReadonlySet<string>): boolean {
  return account.role !== null && intercompany.has(account.role) && account.counterpartyEntityId !== null && householdEntityIds.has(account.counterpartyEntityId);
}

export interface EntityNetWorthMinor {
  entity: ReportEntity;
  assetsMinor: bigint;
  liabilitiesMinor: bigint;
  netWorthMinor: bigint;
  /** Intercompany receivables minus payables (debit-positive). */
  intercompanyMinor: bigint;
}

export interface ConsolidatedMinor {
  assetsMinor: bigint;
  liabilitiesMinor: bigint;
  netWorthMinor: bigint;
  /** Σ entity net worths. */
  entitiesNetWorthMinor: bigint;
  /** Σ intercompany balances eliminated (debit-positive; zero when reconciled). */
  eliminatedMinor: bigint;
}

/** Pure: net worth per entity and consolidated, from per-account balances (debit-positive). */
export function computeNetWorth(entities: readonly ReportEntity[], accounts: readonly ReportAccount[], balances: Sums): { entities: EntityNetWorthMinor[]; consolidated: ConsolidatedMinor } {
  const ids = new Set(entities.map((entity) => entity.id));
  const perEntity = new Map(entities.map((entity) => [entity.id, { entity, assetsMinor: 0n, liabilitiesMinor: 0n, netWorthMinor: 0n, intercompanyMinor: 0n }]));
  const consolidated: ConsolidatedMinor = { assetsMinor: 0n, liabilitiesMinor: 0n, netWorthMinor: 0n, entitiesNetWorthMinor: 0n, eliminatedMinor: 0n };
  for (const account of accounts) {
    if (account.type !== 'asset' && account.type !== 'liability') continue;
    const row = perEntity.get(account.entityId);
    if (!row) continue;
    const balance = sumOf(balances, account.id).netMinor;
    const eliminated = isIntercompany(account, ids);
    if (account.type === 'asset') {
      row.assetsMinor += balance;
      if (!eliminated) consolidated.assetsMinor += balance;
    } else {
      row.liabilitiesMinor -= balance;
      if (!eliminated) consolidated.liabilitiesMinor -= balance;
    }
    if (eliminated) {
      row.intercompanyMinor += balance;
      consolidated.eliminatedMinor += balance;
    }
  }
  for (const row of perEntity.values()) {
    row.netWorthMinor = row.assetsMinor - row.liabilitiesMinor;
    consolidated.entitiesNetWorthMinor += row.netWorthMinor;
  }
  consolidated.netWorthMinor = consolidated.assetsMinor - consolidated.liabilitiesMinor;
  return { entities: [...perEntity.values()], consolidated };
}

export interface BalanceLine {
  entityId: string;
  accountId: string;
  code: string;
  name: string;
  subtype: string;
  /** Normal-balance sign: assets debit-positive, liabilities credit-positive. */
  amount: string;
  eliminated: boolean;
}

export interface NetWorthReport {
  asOf: IsoDate;
  currency: string;
  entities: { entityId: string; name: string; kind: string; assets: string; liabilities: string; netWorth: string; intercompany: string }[];
  consolidated: { assets: string; liabilities: string; netWorth: string; entitiesNetWorth: string; eliminated: string; reconciled: boolean };
  /** The consolidated balance sheet: every asset and liability line, intercompany ones marked eliminated. */
  balanceSheet: { assets: BalanceLine[]; liabilities: BalanceLine[] };
  otherCurrencies: string[];
}

export function netWorthReport(entities: readonly ReportEntity[], accounts: readonly ReportAccount[], balances: Sums, asOf: IsoDate, currency: string, otherCurrencies: string[] = []): NetWorthReport {
  const { entities: rows, consolidated } = computeNetWorth(entities, accounts, balances);
  const ids = new Set(entities.map((entity) => entity.id));
  const money = (minor: bigint) => formatMinor(minor, currency);
  const lines = (type: 'asset' | 'liability'): BalanceLine[] =>
    accounts
      .filter((account) => account.type === type && ids.has(account.entityId))
      .map((account) => ({ account, balance: sumOf(balances, account.id).netMinor }))
      .filter(({ balance, account }) => balance !== 0n || sumOf(balances, account.id).postingCount > 0n)
      .map(({ account, balance }) => ({
        entityId: account.entityId,
        accountId: account.id,
        code: account.code,
        name: account.name,
        subtype: account.subtype,
        amount: money(type === 'asset' ? balance : -balance),
        eliminated: isIntercompany(account, ids),
      }));
  return {
    asOf,
    currency,
    entities: rows.map((row) => ({
      entityId: row.entity.id,
      name: row.entity.name,
      kind: row.entity.kind,
      assets: money(row.assetsMinor),
      liabilities: money(row.liabilitiesMinor),
      netWorth: money(row.netWorthMinor),
      intercompany: money(row.intercompanyMinor),
    })),
    consolidated: {
      assets: money(consolidated.assetsMinor),
      liabilities: money(consolidated.liabilitiesMinor),
      netWorth: money(consolidated.netWorthMinor),
      entitiesNetWorth: money(consolidated.entitiesNetWorthMinor),
      eliminated: money(consolidated.eliminatedMinor),
      reconciled: consolidated.eliminatedMinor === 0n,
    },
    balanceSheet: { assets: lines('asset'), liabilities: lines('liability') },
    otherCurrencies,
  };
}

export interface NetWorthPoint {
  /** The bucket's last day: balances are as of the end of it. */
  date: IsoDate;
  netWorth: string;
  assets: string;
  liabilities: string;
  entities: { entityId: string; netWorth: string }[];
}

export interface NetWorthHistory {
  from: IsoDate;
  to: IsoDate;
  interval: Interval;
  currency: string;
  entities: { entityId: string; name: string; kind: string }[];
  points: NetWorthPoint[];
}

/** Pure: running balances from the opening balances and one delta per bucket. */
export function netWorthHistory(
  entities: readonly ReportEntity[],
  accounts: readonly ReportAccount[],
  opening: Sums,
  buckets: readonly { to: IsoDate; delta: Sums }[],
  meta: { from: IsoDate; to: IsoDate; interval: Interval; currency: string },
): NetWorthHistory {
  const money = (minor: bigint) => formatMinor(minor, meta.currency);
  let running: Sums = opening;
  const points: NetWorthPoint[] = [];
  for (const bucket of buckets) {
    running = addSums(running, bucket.delta);
    const { entities: rows, consolidated } = computeNetWorth(entities, accounts, running);
    points.push({
      date: bucket.to,
      netWorth: money(consolidated.netWorthMinor),
      assets: money(consolidated.assetsMinor),
      liabilities: money(consolidated.liabilitiesMinor),
      entities: rows.map((row) => ({ entityId: row.entity.id, netWorth: money(row.netWorthMinor) })),
    });
  }
  return { ...meta, entities: entities.map((entity) => ({ entityId: entity.id, name: entity.name, kind: entity.kind })), points };
}

// ---- Database shell ------------------------------------------------------------------------

const balanceSheetAccounts = (accounts: readonly ReportAccount[]) => accounts.filter((account) => account.type === 'asset' || account.type === 'liability');

export async function loadNetWorth(db: Knex, actor: Actor, asOf: IsoDate, currency?: string): Promise<NetWorthReport> {
  const scope = await householdScope(db, actor, currency);
  const accounts = balanceSheetAccounts(scope.accounts);
  const [balances] = await sumRanges(db, accounts.map((account) => account.id), [{ to: asOf }]);
  return netWorthReport(scope.entities, accounts, balances!, asOf, scope.currency, scope.otherCurrencies);
}

export async function loadNetWorthHistory(db: Knex, actor: Actor, query: { from: IsoDate; to: IsoDate; interval: Interval; currency?: string }): Promise<NetWorthHistory> {
  const buckets = intervalBuckets(query.from, query.to, query.interval);
  if (buckets.length > maxHistoryPoints) {
    throw new RuleViolation(`a history of more than ${maxHistoryPoints} points was asked for`, [
      { field: '/query/interval', message: `use a longer interval or a shorter period (at most ${maxHistoryPoints} points)`, code: 'too_many_points' },
    ]);
  }
  const scope = await householdScope(db, actor, query.currency);
  const accounts = balanceSheetAccounts(scope.accounts);
  const [opening, ...deltas] = await sumRanges(db, accounts.map((account) => account.id), [{ to: addDays(query.from, -1) }, ...buckets.map((bucket) => ({ from: bucket.from, to: bucket.to }))]);
  return netWorthHistory(scope.entities, accounts, opening!, buckets.map((bucket, index) => ({ to: bucket.to, delta: deltas[index]! })), {
    from: query.from,
    to: query.to,
    interval: query.interval,
    currency: scope.currency,
  });
}

// ---- Paper ---------------------------------------------------------------------------------

export function netWorthDocument(report: NetWorthReport, householdName: string): ReportDocument {
  const entityName = new Map(report.entities.map((entity) => [entity.entityId, entity.name]));
  const line = (row: BalanceLine) => ({ cells: [entityName.get(row.entityId) ?? '', `${row.code} ${row.name}`, row.eliminated ? 'eliminated' : '', row.amount] });
  const columns = [{ label: 'Entity', weight: 1.4 }, { label: 'Account', weight: 2 }, { label: 'Intercompany', weight: 0.9 }, { label: 'Amount', align: 'right' as const }];
  return {
    title: 'Consolidated net worth',
    subject: householdName,
    period: `as of ${report.asOf}`,
    currency: report.currency,
    summary: [
      ['Consolidated net worth', report.consolidated.netWorth],
      ['Sum of entity net worths', report.consolidated.entitiesNetWorth],
      ['Intercompany balances eliminated', report.consolidated.eliminated],
    ],
    tables: [
      {
        heading: 'Net worth by entity',
        columns: [{ label: 'Entity', weight: 2 }, { label: 'Assets', align: 'right' }, { label: 'Liabilities', align: 'right' }, { label: 'Intercompany', align: 'right' }, { label: 'Net worth', align: 'right' }],
        rows: [
          ...report.entities.map((entity) => ({ cells: [entity.name, entity.assets, entity.liabilities, entity.intercompany, entity.netWorth] })),
          { cells: ['Consolidated (intercompany eliminated)', report.consolidated.assets, report.consolidated.liabilities, '', report.consolidated.netWorth], style: 'total' as const },
        ],
      },
      { heading: 'Assets', columns, rows: [...report.balanceSheet.assets.map(line), { cells: ['Total assets (consolidated)', '', '', report.consolidated.assets], style: 'total' }] },
      { heading: 'Liabilities', columns, rows: [...report.balanceSheet.liabilities.map(line), { cells: ['Total liabilities (consolidated)', '', '', report.consolidated.liabilities], style: 'total' }] },
    ],
    notes: report.otherCurrencies.length ? [`Accounts in ${report.otherCurrencies.join(', ')} are not included.`] : [],
  };
}

export function netWorthHistoryDocument(history: NetWorthHistory, householdName: string): ReportDocument {
  return {
    title: 'Net worth over time',
    subject: householdName,
    period: `${history.from} to ${history.to}, by ${history.interval}`,
    currency: history.currency,
    tables: [
      {
        columns: [{ label: 'Date' }, ...history.entities.map((entity) => ({ label: entity.name, align: 'right' as const })), { label: 'Consolidated', align: 'right' }],
        rows: history.points.map((point) => ({ cells: [point.date, ...history.entities.map((entity) => point.entities.find((row) => row.entityId === entity.entityId)?.netWorth ?? ''), point.netWorth] })),
      },
    ],
  };
}
