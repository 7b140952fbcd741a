import type { Knex } from 'knex';
import type { DependencyContainer } from 'tsyringe';
import type { Actor } from '../../engine/auth/actor.js';
import { SUPPORTED_CURRENCIES } from '../../engine/money/index.js';
import { loadNetWorth, loadNetWorthHistory, netWorthDocument, netWorthHistoryDocument } from '../../engine/reports/net-worth.js';
import { intervals, yearToDate, type Interval } from '../../engine/reports/period.js';
import { reportCsv } from '../../engine/reports/csv.js';
import { reportPdf } from '../../engine/reports/pdf.js';
import { fileStem, type ReportDocument } from '../../engine/reports/report-document.js';
import { RequestInvalid } from '../problem.js';
import type { RouteRegistry, RouteResult } from '../route.js';
import { isoDate } from '../schemas.js';
import { todayIso } from './entities.js';

export const reportFormats = ['json', 'csv', 'pdf'] as const;
export type ReportFormat = (typeof reportFormats)[number];

const formatQuery = { format: { type: 'string', enum: [...reportFormats], default: 'json', description: 'json (default), csv (RFC 4180) or pdf' } } as const;
const currencyQuery = { currency: { type: 'string', enum: [...SUPPORTED_CURRENCIES], description: "Report in this currency (default: the entity's base currency)" } } as const;
const periodQuery = { from: isoDate, to: isoDate } as const;

interface PeriodParams {
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

export function reportRoutes(routes: RouteRegistry, _container: DependencyContainer): void {
  routes.add<unknown, { asOf?: string; format: ReportFormat; currency?: string }>({
    method: 'get',
    path: '/reports/net-worth',
    tag: 'Reports',
    summary: 'Consolidated net worth and balance sheet of the household, intercompany balances eliminated',
    auth: true,
    query: { asOf: isoDate, ...formatQuery, ...currencyQuery },
    success: downloads,
    handler: async ({ db, actor, query }) => {
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
    query: { ...periodQuery, interval: { type: 'string', enum: [...intervals], default: 'month' }, ...formatQuery, ...currencyQuery },
    success: downloads,
    handler: async ({ db, actor, query }) => {
      const period = periodOf(query);
      const history = await loadNetWorthHistory(db, actor, { ...period, interval: query.interval, ...(query.currency ? { currency: query.currency } : {}) });
      const name = await householdName(db, actor);
      return respond(query.format, history, () => netWorthHistoryDocument(history, name), fileStem('net-worth-history', name, period.from, period.to));
    },
  });
}
