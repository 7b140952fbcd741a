import type { Knex } from 'knex';
import type { DependencyContainer } from 'tsyringe';
import type { Actor } from '../../engine/auth/actor.js';
import { Tokens } from '../../engine/container.js';
import { readFromChoices, reportReader, type ReadFrom, type ReportReader } from '../../engine/db/read-replica.js';
import { SUPPORTED_CURRENCIES } from '../../engine/money/index.js';
import { balanceSheetDocument, loadBalanceSheet } from '../../engine/reports/balance-sheet.js';
import { cashFlowDocument, loadCashFlow } from '../../engine/reports/cash-flow.js';
import { generalLedgerDocument, loadGeneralLedger } from '../../engine/reports/general-ledger.js';
import { incomeStatementDocument, loadIncomeStatement } from '../../engine/reports/income-statement.js';
import { defaultDormantLoanMonths, interEntityAuditDocument, loadInterEntityAudit } from '../../engine/reports/inter-entity-audit.js';
import { loadScheduleC, scheduleCDocument } from '../../engine/reports/schedule-c.js';
import { loadTrialBalanceReport, trialBalanceDocument } from '../../engine/reports/trial-balance.js';
import type { Comparison } from '../../engine/reports/period.js';
import { loadNetWorth, loadNetWorthHistory, netWorthDocument, netWorthHistoryDocument } from '../../engine/reports/net-worth.js';
import { intervals, yearToDate, type Interval } from '../../engine/reports/period.js';
import { reportCsv } from '../../engine/reports/csv.js';
import { reportPdf } from '../../engine/reports/pdf.js';
import { fileStem, type ReportDocument } from '../../engine/reports/report-document.js';
import { RequestInvalid } from '../problem.js';
import type { RouteRegistry, RouteResult } from '../route.js';
import { isoDate, uuid } from '../schemas.js';
import { todayIso } from './entities.js';

export const reportFormats = ['json', 'csv', 'pdf'] as const;
export type ReportFormat = (typeof reportFormats)[number];

const formatQuery = { format: { type: 'string', enum: [...reportFormats], default: 'json', description: 'json (default), csv (RFC 4180) or pdf' } } as const;
const currencyQuery = { currency: { type: 'string', enum: [...SUPPORTED_CURRENCIES], description: "Report in this currency (default: the entity's base currency)" } } as const;
const periodQuery = { from: isoDate, to: isoDate } as const;
/** On every report and export route: where it reads (see engine/db/read-replica.ts). */
export const readFromQuery = {
  readFrom: {
    type: 'string',
    enum: [...readFromChoices],
    default: 'replica',
    description: 'replica (default): the read replica when the server has one (DATABASE_READ_URL), which may be a moment behind the latest write; primary: the primary database, e.g. for a report right after a write',
  },
} as const;
const compareQuery = { compare: { type: 'string', enum: ['previous', 'last_year'], description: 'Add a comparison column: the previous period of the same length, or the same period last year' } } as const;

interface ReadParams {
  readFrom: ReadFrom;
}

interface PeriodParams extends ReadParams {
  from?: string;
  to?: string;
  format: ReportFormat;
  currency?: string;
}

/** from..to with defaults (the year to date), refusing a period that ends before it starts. */
function periodOf(query: { from?: string; to?: string }): { from: string; to: string } {
  const to = query.to ?? todayIso();
  const from = query.from ?? yearToDate(to).from;
  if (from > to) throw new RequestInvalid([{ field: '/query/from', message: `must not be after to (${to})`, code: 'from_after_to' }]);
  return { from, to };
}

/** JSON as is; CSV and PDF from the report's paper form, as a download. */
async function respond(format: ReportFormat, body: unknown, paper: () => ReportDocument, stem: string): Promise<RouteResult> {
  if (format === 'json') return { body };
  const document = paper();
  if (format === 'csv') {
    return { contentType: 'text/csv; charset=utf-8', headers: { 'Content-Disposition': `attachment; filename="${stem}.csv"` }, body: reportCsv(document) };
  }
  return { contentType: 'application/pdf', headers: { 'Content-Disposition': `attachment; filename="${stem}.pdf"` }, body: await reportPdf(document) };
}

const downloads = { status: 200, description: 'The report (JSON), or a CSV or PDF download with format=csv|pdf' } as const;

async function householdName(db: Knex, actor: Actor): Promise<string> {
  return ((await db('households').where({ id: actor.householdId }).first('name')) as { name: string } | undefined)?.name ?? 'Household';
}

/** The report and export routes' reader: the replica with DATABASE_READ_URL, else the primary. */
export function reportReaderOf(container: DependencyContainer): ReportReader {
  return reportReader(container.resolve(Tokens.Database), container.resolve(Tokens.Config).databaseReadUrl);
}

export function reportRoutes(routes: RouteRegistry, container: DependencyContainer): void {
  const reader = reportReaderOf(container);
  routes.add<unknown, ReadParams & { asOf?: string; format: ReportFormat; currency?: string }>({
    method: 'get',
    path: '/reports/net-worth',
    tag: 'Reports',
    summary: 'Consolidated net worth and balance sheet of the household, intercompany balances eliminated',
    auth: true,
    query: { asOf: isoDate, ...formatQuery, ...currencyQuery, ...readFromQuery },
    success: downloads,
    handler: async ({ actor, query }) => {
      const db = reader(query.readFrom);
      const asOf = query.asOf ?? todayIso();
      const report = await loadNetWorth(db, actor, asOf, query.currency);
      const name = await householdName(db, actor);
      return respond(query.format, report, () => netWorthDocument(report, name), fileStem('net-worth', name, asOf));
    },
  });
  routes.add<unknown, PeriodParams & { interval: Interval }>({
    method: 'get',
    path: '/reports/net-worth/history',
    tag: 'Reports',
    summary: 'Net worth over time: per entity and consolidated, at the end of each interval',
    description: 'Points at the end of each day, week (ending Sunday), month, quarter or year from `from` to `to`, the last one on `to`; at most 400 points.',
    auth: true,
    query: { ...periodQuery, interval: { type: 'string', enum: [...intervals], default: 'month' }, ...formatQuery, ...currencyQuery, ...readFromQuery },
    success: downloads,
    handler: async ({ actor, query }) => {
      const db = reader(query.readFrom);
      const period = periodOf(query);
      const history = await loadNetWorthHistory(db, actor, { ...period, interval: query.interval, ...(query.currency ? { currency: query.currency } : {}) });
      const name = await householdName(db, actor);
      return respond(query.format, history, () => netWorthHistoryDocument(history, name), fileStem('net-worth-history', name, period.from, period.to));
    },
  });

  const statements = [
    { slug: 'trial-balance', summary: 'Trial balance over a period: opening, debits, credits, closing per account', load: loadTrialBalanceReport, paper: trialBalanceDocument, compare: false },
    { slug: 'balance-sheet', summary: 'Balance sheet as of the end of the period (assets = liabilities + equity)', load: loadBalanceSheet, paper: balanceSheetDocument, compare: true },
    { slug: 'income-statement', summary: 'Income statement (profit and loss) over a period', load: loadIncomeStatement, paper: incomeStatementDocument, compare: true },
    { slug: 'cash-flow', summary: 'Cash-flow statement (indirect method) over a period', load: loadCashFlow, paper: cashFlowDocument, compare: true },
  ] as const;
  for (const statement of statements) {
    routes.add<unknown, PeriodParams & { compare?: Comparison }>({
      method: 'get',
      path: `/entities/:entityId/reports/${statement.slug}`,
      tag: 'Reports',
      summary: statement.summary,
      description: 'Period defaults to the year to date. `format=csv|pdf` downloads the same report.',
      auth: true,
      query: { ...periodQuery, ...(statement.compare ? compareQuery : {}), ...formatQuery, ...currencyQuery, ...readFromQuery },
      success: downloads,
      handler: async ({ actor, params, query }) => {
        const db = reader(query.readFrom);
        const period = periodOf(query);
        const report = await (statement.load as (db: Knex, actor: Actor, entityId: string, query: object) => Promise<{ entity: { slug: string } }>)(db, actor, params.entityId!, {
          ...period,
          ...(query.compare ? { compare: query.compare } : {}),
          ...(query.currency ? { currency: query.currency } : {}),
        });
        return respond(query.format, report, () => (statement.paper as (report: unknown) => ReportDocument)(report), fileStem(statement.slug, report.entity.slug, period.from, period.to));
      },
    });
  }
  routes.add<unknown, PeriodParams & { accountId?: string }>({
    method: 'get',
    path: '/entities/:entityId/reports/general-ledger',
    tag: 'Reports',
    summary: 'General ledger: every posting of the period per account, with running balances',
    description: 'At most 20,000 postings per report: narrow the period or pass `accountId` for more.',
    auth: true,
    query: { ...periodQuery, accountId: uuid, ...formatQuery, ...currencyQuery, ...readFromQuery },
    success: downloads,
    handler: async ({ actor, params, query }) => {
      const db = reader(query.readFrom);
      const period = periodOf(query);
      const report = await loadGeneralLedger(db, actor, params.entityId!, { ...period, ...(query.accountId ? { accountId: query.accountId } : {}), ...(query.currency ? { currency: query.currency } : {}) });
      return respond(query.format, report, () => generalLedgerDocument(report), fileStem('general-ledger', report.entity.slug, period.from, period.to));
    },
  });
  routes.add<unknown, PeriodParams & { dormantLoanMonths?: number }>({
    method: 'get',
    path: '/entities/:entityId/reports/inter-entity-audit',
    tag: 'Reports',
    summary: "Inter-entity audit of an LLC: every transfer with its paper trail, balances on both sides, capital roll-forward, commingling flags",
    auth: true,
    query: { ...periodQuery, dormantLoanMonths: { type: 'integer', minimum: 1, maximum: 120, default: defaultDormantLoanMonths, description: 'Flag a member loan with no repayment for this many months' }, ...formatQuery, ...readFromQuery },
    success: downloads,
    handler: async ({ actor, params, query }) => {
      const db = reader(query.readFrom);
      const period = periodOf(query);
      const report = await loadInterEntityAudit(db, actor, params.entityId!, { ...period, ...(query.dormantLoanMonths ? { dormantLoanMonths: query.dormantLoanMonths } : {}) });
      return respond(query.format, report, () => interEntityAuditDocument(report), fileStem('inter-entity-audit', report.entity.slug, period.from, period.to));
    },
  });
  routes.add<unknown, ReadParams & { year?: number; format: ReportFormat }>({
    method: 'get',
    path: '/entities/:entityId/reports/schedule-c',
    tag: 'Reports',
    summary: "The LLC's profit and loss on Schedule C lines for a year, with the year's contributions and draws",
    auth: true,
    query: { year: { type: 'integer', minimum: 1900, maximum: 2999, description: 'Calendar year (default: this year)' }, ...formatQuery, ...readFromQuery },
    success: downloads,
    handler: async ({ actor, params, query }) => {
      const db = reader(query.readFrom);
      const year = query.year ?? Number(todayIso().slice(0, 4));
      const report = await loadScheduleC(db, actor, params.entityId!, year);
      return respond(query.format, report, () => scheduleCDocument(report), fileStem('schedule-c', report.entity.slug, String(year)));
    },
  });
}
