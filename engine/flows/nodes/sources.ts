import { controlIn, moneyOut, type NodeType } from '../node-type.js';
import { display, moneySetting, moneySettingProblems, settingMinor } from './money-fields.js';

export interface BalanceSourceData {
  accountId: string;
  keep?: string;
}

export const balanceSource: NodeType<BalanceSourceData> = {
  type: 'source.balance',
  category: 'source',
  label: 'Account balance',
  description: 'The balance of an account, minus an amount to keep there (never below zero).',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['accountId'],
    properties: { accountId: { type: 'string', format: 'uuid' }, keep: moneySetting },
  },
  accountFields: [{ field: 'accountId', label: 'Account', required: true, types: ['asset'] }],
  inputs: () => [controlIn],
  outputs: () => [moneyOut],
  validate: (data, context) => moneySettingProblems(data.keep, context.currency, '/keep'),
  evaluate({ data, context, balanceOf }) {
    const keepMinor = settingMinor(data.keep, context.currency);
    const balanceMinor = balanceOf(data.accountId);
    const availableMinor = balanceMinor > keepMinor ? balanceMinor - keepMinor : 0n;
    return {
      outputs: new Map([['out', { amountMinor: availableMinor, accountId: data.accountId }]]),
      decision: `balance ${display(balanceMinor, context.currency)} − keep ${display(keepMinor, context.currency)} = ${display(availableMinor, context.currency)}`,
    };
  },
};

export const transactionSource: NodeType<Record<string, never>> = {
  type: 'source.transaction',
  category: 'source',
  label: 'Triggering transaction',
  description: 'The amount of the transaction that fired an event trigger (money in is positive).',
  schema: { type: 'object', additionalProperties: false, properties: {} },
  inputs: () => [controlIn],
  outputs: () => [moneyOut],
  evaluate({ context }) {
    const transaction = context.trigger.transaction;
    const amountMinor = transaction && transaction.amountMinor > 0n ? transaction.amountMinor : 0n;
    return {
      outputs: new Map([['out', { amountMinor, accountId: transaction?.accountId ?? null }]]),
      decision: transaction ? `transaction of ${display(transaction.amountMinor, context.currency)}` : 'no triggering transaction: 0',
      warnings: transaction ? [] : ['this run was not started by a transaction, so the amount is zero'],
    };
  },
};

export interface FixedSourceData {
  amount: string;
  accountId?: string;
}

export const fixedSource: NodeType<FixedSourceData> = {
  type: 'source.fixed',
  category: 'source',
  label: 'Fixed amount',
  description: 'A set amount, optionally sitting in a given account.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['amount'],
    properties: { amount: moneySetting, accountId: { type: 'string', format: 'uuid' } },
  },
  accountFields: [{ field: 'accountId', label: 'From account', required: false, types: ['asset', 'liability'] }],
  inputs: () => [controlIn],
  outputs: () => [moneyOut],
  validate: (data, context) => moneySettingProblems(data.amount, context.currency, '/amount'),
  evaluate({ data, context }) {
    const amountMinor = settingMinor(data.amount, context.currency);
    return { outputs: new Map([['out', { amountMinor, accountId: data.accountId ?? null }]]), decision: display(amountMinor, context.currency) };
  },
};
