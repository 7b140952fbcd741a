import { CronExpressionParser } from 'cron-parser';
import jsonLogic from 'json-logic-js';
import type { FieldProblem } from '../../errors.js';
import type { NodeType } from '../node-type.js';

const startOut = [{ id: 'start', kind: 'control' as const, label: 'Start' }];
const fire = () => ({ outputs: new Map([['start', 'fired' as const]]) });

export const manualTrigger: NodeType<Record<string, never>> = {
  type: 'trigger.manual',
  category: 'trigger',
  label: 'Run manually',
  description: 'Starts the flow when you press Run (or call the API).',
  schema: { type: 'object', additionalProperties: false, properties: {} },
  inputs: () => [],
  outputs: () => startOut,
  evaluate: fire,
};

export interface ScheduleData {
  cron: string;
  timezone: string;
  missed?: 'catch_up' | 'skip';
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Next occurrences of a cron expression in an IANA time zone (DST gaps and overlaps handled once). */
export function nextOccurrences(cron: string, timezone: string, from: Date, count: number): Date[] {
  // cron-parser answers "next after X" from X's local wall clock, so asked from inside a DST gap
  // (03:00 EDT after the jump) it misses that day's shifted 02:30 -> 03:30 run, and asked between
  // the two 01:30s of a fall-back night it offers the repeat. Walking the schedule from a point
  // safely before `from` and keeping what lies after it gives the same occurrences whatever the
  // starting instant, so a scheduler that restarts mid-night neither skips nor doubles a day.
  const expression = CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date(from.getTime() - DST_LOOKBACK_MS) });
  const occurrences: Date[] = [];
  while (occurrences.length < count) {
    const next = expression.next().toDate();
    if (next.getTime() > from.getTime()) occurrences.push(next);
  }
  return occurrences;
}

/** Longer than any daylight-saving shift in the tz database (at most two hours). */
const DST_LOOKBACK_MS = 3 * 3_600_000;

export const scheduleTrigger: NodeType<ScheduleData> = {
  type: 'trigger.schedule',
  category: 'trigger',
  label: 'On a schedule',
  description: 'Starts the flow at every occurrence of a cron schedule, in your time zone.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['cron', 'timezone'],
    properties: {
      cron: { type: 'string', minLength: 9, maxLength: 100, description: 'minute hour day-of-month month day-of-week, e.g. "0 9 1 * *"' },
      timezone: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. America/New_York' },
      missed: { type: 'string', enum: ['catch_up', 'skip'], description: 'What to do with occurrences missed while Sluice was down' },
    },
  },
  inputs: () => [],
  outputs: () => startOut,
  validate(data) {
    const problems: FieldProblem[] = [];
    if (!isTimeZone(data.timezone)) problems.push({ field: '/timezone', message: `"${data.timezone}" is not an IANA time zone`, code: 'unknown_time_zone' });
    try {
      CronExpressionParser.parse(data.cron, { strict: false });
      if (data.cron.trim().split(/\s+/).length !== 5) throw new Error('use five fields: minute hour day-of-month month day-of-week');
    } catch (error) {
      problems.push({ field: '/cron', message: (error as Error).message, code: 'invalid_cron' });
    }
    return problems;
  },
  evaluate: fire,
};

export const eventNames = ['transaction.posted', 'balance.below', 'balance.above'] as const;

export interface EventData {
  event: (typeof eventNames)[number];
  accountId?: string;
  threshold?: string;
  filter?: unknown;
}

/** json-logic must be a rule json-logic-js can run; try it on a sample context. */
export function logicProblems(logic: unknown, field: string, sample: Record<string, unknown>): FieldProblem[] {
  try {
    jsonLogic.apply(logic as jsonLogic.RulesLogic, sample);
    return [];
  } catch (error) {
    return [{ field, message: `not a valid json-logic rule: ${(error as Error).message}`, code: 'invalid_logic' }];
  }
}

export const eventTrigger: NodeType<EventData> = {
  type: 'trigger.event',
  category: 'trigger',
  label: 'On an event',
  description: 'Starts the flow when a transaction posts into an account, or a balance crosses a threshold.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['event'],
    properties: {
      event: { type: 'string', enum: [...eventNames] },
      accountId: { type: 'string', format: 'uuid' },
      threshold: { type: 'string', pattern: '^-?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,3})?$', maxLength: 24 },
      filter: { description: 'json-logic over {amount, accountId, entityId, payee, categoryId}' },
    },
  },
  accountFields: [{ field: 'accountId', label: 'Account', required: false, types: ['asset', 'liability'] }],
  inputs: () => [],
  outputs: () => startOut,
  validate(data) {
    const problems: FieldProblem[] = [];
    if (data.event !== 'transaction.posted' && data.threshold === undefined) {
      problems.push({ field: '/threshold', message: 'a balance event needs a threshold', code: 'required' });
    }
    if (data.event !== 'transaction.posted' && data.accountId === undefined) {
      problems.push({ field: '/accountId', message: 'a balance event watches one account', code: 'required' });
    }
    if (data.filter !== undefined) {
      problems.push(...logicProblems(data.filter, '/filter', { amount: 0, accountId: '', entityId: '', payee: '', categoryId: '' }));
    }
    return problems;
  },
  evaluate: fire,
};
