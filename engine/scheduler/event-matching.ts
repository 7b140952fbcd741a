import jsonLogic from 'json-logic-js';
import { majorUnitsForRules, parseMoney } from '../money/index.js';
import type { EventData } from '../flows/nodes/triggers.js';

/** One posting as the outbox recorded it. */
export interface LedgerEvent {
  id: bigint;
  householdId: string;
  postingId: bigint;
  journalId: string;
  entityId: string;
  accountId: string;
  amountMinor: bigint;
  currency: string;
  balanceBeforeMinor: bigint;
  balanceAfterMinor: bigint;
  flowRunId: string | null;
  payee: string | null;
  memo: string;
  /** The journal's other account when there is exactly one (the category of a simple transaction). */
  categoryId: string | null;
  /** When the posting was recorded (ISO-8601): the event's time, the same on every redelivery. */
  createdAt: string;
  /** Dispatch attempts so far that ended in a passing failure. */
  attempts: number;
}

/** The variables an event trigger's filter can read. */
export function filterVariables(event: LedgerEvent) {
  return {
    amount: majorUnitsForRules(event.amountMinor, event.currency),
    amountMinor: Number(event.amountMinor),
    accountId: event.accountId,
    entityId: event.entityId,
    payee: event.payee ?? '',
    memo: event.memo,
    categoryId: event.categoryId ?? '',
    balance: majorUnitsForRules(event.balanceAfterMinor, event.currency),
  };
}

/**
 * Whether an event fires an event trigger. Pure: the dispatcher decides the rest (own
 * postings, chain depth). Balance triggers fire on the crossing only, not while below/above.
 */
export function eventFires(trigger: EventData, event: LedgerEvent): boolean {
  if (trigger.accountId && trigger.accountId !== event.accountId) return false;
  if (trigger.event === 'transaction.posted') {
    return trigger.filter === undefined || Boolean(jsonLogic.apply(trigger.filter as jsonLogic.RulesLogic, filterVariables(event)));
  }
  const thresholdMinor = parseMoney((trigger.threshold ?? '0').replace(/^-/, ''), event.currency as never).amountMinor * (trigger.threshold?.startsWith('-') ? -1n : 1n);
  const crossed =
    trigger.event === 'balance.below'
      ? event.balanceBeforeMinor >= thresholdMinor && event.balanceAfterMinor < thresholdMinor
      : event.balanceBeforeMinor <= thresholdMinor && event.balanceAfterMinor > thresholdMinor;
  return crossed && (trigger.filter === undefined || Boolean(jsonLogic.apply(trigger.filter as jsonLogic.RulesLogic, filterVariables(event))));
}
