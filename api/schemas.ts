import { MAX_AMOUNT_MINOR, SUPPORTED_CURRENCIES } from '../engine/money/index.js';
import { maxJournalsPerBatch } from '../engine/ledger/journals.js';
import { accountTypes, allSubtypes, entityKinds, transferKinds } from '../engine/ledger/types.js';
import type { JsonSchema } from './validation.js';

/** Shared schema fragments: one definition of a money string, a date, an id. */
export const moneyString = {
  type: 'string',
  pattern: '^[+-]?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,3})?$',
  maxLength: 24,
  description: `A decimal string in the account's currency, at most its minor-unit digits, e.g. "-12.34". Magnitude at most ${MAX_AMOUNT_MINOR} minor units.`,
  'x-hint': 'money is a decimal string such as "12.34", never a JSON number',
  examples: ['1500.00'],
} as const;

export const isoDate = { type: 'string', format: 'date', maxLength: 10, description: 'Calendar date, YYYY-MM-DD', examples: ['2026-11-24'] } as const;
export const uuid = { type: 'string', format: 'uuid', maxLength: 36 } as const;
export const idString = { type: 'string', minLength: 1, maxLength: 64 } as const;
/** PostgreSQL text cannot hold NUL; refuse it at the door with a field error. */
const noNul = '^[^\\u0000]*$';
/** Non-blank and NUL-free (one `pattern` per schema, so both rules share it). */
const nonBlankNoNul = '^(?=[\\s\\S]*\\S)[^\\u0000]*$';
export const shortText = (maxLength: number) => ({ type: 'string', maxLength, pattern: noNul }) as const;
export const nameText = (maxLength: number, minLength = 1) => ({ type: 'string', minLength, maxLength, pattern: nonBlankNoNul }) as const;
export const currency = { type: 'string', enum: [...SUPPORTED_CURRENCIES] } as const;

export const pageQuery = {
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
} as const;

export const credentialsBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: {
    email: { type: 'string', format: 'email', maxLength: 254 },
    password: { type: 'string', minLength: 1, maxLength: 256 },
  },
};

export const registerBody: JsonSchema = {
  ...credentialsBody,
  properties: { ...(credentialsBody.properties as object), householdName: nameText(200) },
};

export const refreshBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['refreshToken'],
  properties: { refreshToken: { type: 'string', minLength: 16, maxLength: 200 } },
};

export const entityBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'name'],
  properties: {
    kind: { type: 'string', enum: [...entityKinds] },
    name: nameText(120),
    slug: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$', description: 'Prefix of this entity in hledger exports' },
    baseCurrency: currency,
  },
};

export const accountBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type'],
  properties: {
    name: nameText(120),
    type: { type: 'string', enum: [...accountTypes] },
    subtype: { type: 'string', enum: allSubtypes },
    code: { type: 'string', pattern: '^[0-9A-Za-z.-]{1,20}$' },
    currency,
    allowOverdraft: { type: 'boolean' },
    scheduleCLine: { type: 'string', pattern: '^[0-9]{1,2}[a-z]?$' },
    description: shortText(500),
  },
};

export const journalBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['date', 'postings'],
  properties: {
    date: isoDate,
    memo: shortText(500),
    payee: shortText(200),
    postings: {
      type: 'array',
      minItems: 2,
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['accountId', 'amount'],
        properties: { accountId: uuid, amount: moneyString, memo: shortText(500) },
      },
    },
  },
};

export const journalBatchBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['journals'],
  properties: {
    journals: { type: 'array', minItems: 1, maxItems: maxJournalsPerBatch, items: journalBody, description: `1 to ${maxJournalsPerBatch} journals of this entity, posted all or nothing` },
  },
};

export const reverseBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { date: isoDate, memo: shortText(500) },
};

export const transferBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'date', 'amount', 'fromAccountId', 'toAccountId', 'purpose'],
  properties: {
    kind: { type: 'string', enum: [...transferKinds] },
    date: isoDate,
    amount: moneyString,
    interest: moneyString,
    fromAccountId: uuid,
    toAccountId: uuid,
    purpose: { ...nameText(500, 3), description: 'Why the money moved; required for the audit trail' },
    documentRef: { ...nameText(500), description: 'Invoice number, agreement, receipt URL...' },
    memo: shortText(500),
  },
};

export const dateRangeQuery = {
  from: isoDate,
  to: isoDate,
} as const;
