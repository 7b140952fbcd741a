/**
 * Deterministic, realistic bank data for the Plaid-compatible sandbox: two institutions (a
 * personal bank and a business bank), their accounts, and a stream of transactions shaped like
 * a single-member LLC owner's money (paychecks, client payments, rent, groceries, card payments,
 * SaaS bills). The same seed always gives the same data.
 */

/** mulberry32: small, fast, good enough for test data; never for anything secret. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type AccountKind = 'depository' | 'credit' | 'loan' | 'investment';

export interface AccountTemplate {
  key: string;
  name: string;
  officialName: string;
  mask: string;
  type: AccountKind;
  subtype: string;
  holderCategory: 'personal' | 'business';
  /** Bank's sign: depository = money held, credit/loan = amount owed. Cents. */
  openingCents: number;
  limitCents?: number;
}

export interface InstitutionTemplate {
  id: string;
  name: string;
  accounts: AccountTemplate[];
}

export const institutions: readonly InstitutionTemplate[] = [
  {
    id: 'ins_109508',
    name: 'First Platypus Bank',
    accounts: [
      { key: 'checking', name: 'Plaid Checking', officialName: 'Plaid Gold Standard 0% Interest Checking', mask: '0000', type: 'depository', subtype: 'checking', holderCategory: 'personal', openingCents: 240_000 },
      { key: 'savings', name: 'Plaid Saving', officialName: 'Plaid Silver Standard 0.1% Interest Saving', mask: '1111', type: 'depository', subtype: 'savings', holderCategory: 'personal', openingCents: 1_210_000 },
      { key: 'card', name: 'Plaid Credit Card', officialName: 'Plaid Diamond 12.5% APR Interest Credit Card', mask: '3333', type: 'credit', subtype: 'credit card', holderCategory: 'personal', openingCents: 41_000, limitCents: 2_000_000 },
      { key: 'ira', name: 'Plaid IRA', officialName: 'Plaid Traditional IRA', mask: '5555', type: 'investment', subtype: 'ira', holderCategory: 'personal', openingCents: 3_204_000 },
    ],
  },
  {
    id: 'ins_127989',
    name: 'Platypus Business Bank',
    accounts: [
      { key: 'biz_checking', name: 'Business Checking', officialName: 'Platypus Business Advantage Checking', mask: '7070', type: 'depository', subtype: 'checking', holderCategory: 'business', openingCents: 1_850_000 },
      { key: 'biz_card', name: 'Business Card', officialName: 'Platypus Business Rewards Card', mask: '8080', type: 'credit', subtype: 'credit card', holderCategory: 'business', openingCents: 0, limitCents: 1_500_000 },
    ],
  },
];

export function findInstitution(id: string): InstitutionTemplate | undefined {
  return institutions.find((institution) => institution.id === id);
}

export interface GeneratedTransaction {
  accountKey: string;
  date: string;
  /** Plaid's sign: positive = money out of the account. Cents. */
  amountCents: number;
  name: string;
  merchantName: string | null;
  channel: 'online' | 'in store' | 'other';
  category: { primary: string; detailed: string };
}

interface Pattern {
  account: string;
  name: string;
  merchant: string | null;
  channel: GeneratedTransaction['channel'];
  category: [string, string];
  /** Which days of the period it happens on. */
  when: (dayIndex: number, date: Date) => boolean;
  amount: (random: () => number) => number;
}

const between = (low: number, high: number) => (random: () => number) => Math.round((low + random() * (high - low)) * 100);
const fixed = (value: number) => () => Math.round(value * 100);
const dayOfMonth = (day: number) => (_: number, date: Date) => date.getUTCDate() === day;
const weekday = (weekdayIndex: number) => (_: number, date: Date) => date.getUTCDay() === weekdayIndex;

const patterns: readonly Pattern[] = [
  // Personal bank
  { account: 'checking', name: 'ACME CORP PAYROLL PPD', merchant: null, channel: 'other', category: ['INCOME', 'INCOME_WAGES'], when: (day) => day % 14 === 4, amount: () => -315_000 },
  { account: 'checking', name: 'MAPLE STREET PROPERTIES RENT', merchant: 'Maple Street Properties', channel: 'online', category: ['RENT_AND_UTILITIES', 'RENT_AND_UTILITIES_RENT'], when: dayOfMonth(1), amount: fixed(1850) },
  { account: 'checking', name: 'PG&E WEB ONLINE', merchant: 'PG&E', channel: 'online', category: ['RENT_AND_UTILITIES', 'RENT_AND_UTILITIES_GAS_AND_ELECTRICITY'], when: dayOfMonth(12), amount: between(62, 148) },
  { account: 'checking', name: 'PAYMENT TO PLAID CREDIT CARD', merchant: null, channel: 'online', category: ['LOAN_PAYMENTS', 'LOAN_PAYMENTS_CREDIT_CARD_PAYMENT'], when: dayOfMonth(20), amount: fixed(900) },
  { account: 'checking', name: 'TRANSFER TO SAVINGS', merchant: null, channel: 'other', category: ['TRANSFER_OUT', 'TRANSFER_OUT_SAVINGS'], when: dayOfMonth(5), amount: fixed(400) },
  { account: 'savings', name: 'TRANSFER FROM CHECKING', merchant: null, channel: 'other', category: ['TRANSFER_IN', 'TRANSFER_IN_SAVINGS'], when: dayOfMonth(5), amount: fixed(-400) },
  { account: 'savings', name: 'INTEREST PAYMENT', merchant: null, channel: 'other', category: ['INCOME', 'INCOME_INTEREST_EARNED'], when: dayOfMonth(28), amount: between(-1.5, -0.9) },
  { account: 'card', name: 'WHOLE FOODS MARKET #10233', merchant: 'Whole Foods Market', channel: 'in store', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_GROCERIES'], when: weekday(6), amount: between(48, 185) },
  { account: 'card', name: "TRADER JOE'S #552", merchant: "Trader Joe's", channel: 'in store', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_GROCERIES'], when: weekday(3), amount: between(22, 74) },
  { account: 'card', name: 'BLUE BOTTLE COFFEE', merchant: 'Blue Bottle Coffee', channel: 'in store', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_COFFEE'], when: (day) => day % 3 === 1, amount: between(4.5, 9.75) },
  { account: 'card', name: 'NETFLIX.COM', merchant: 'Netflix', channel: 'online', category: ['ENTERTAINMENT', 'ENTERTAINMENT_TV_AND_MOVIES'], when: dayOfMonth(9), amount: fixed(15.49) },
  { account: 'card', name: 'UBER *TRIP', merchant: 'Uber', channel: 'online', category: ['TRANSPORTATION', 'TRANSPORTATION_TAXIS_AND_RIDE_SHARES'], when: (day) => day % 9 === 2, amount: between(11, 38) },
  { account: 'card', name: 'PAYMENT THANK YOU', merchant: null, channel: 'other', category: ['LOAN_PAYMENTS', 'LOAN_PAYMENTS_CREDIT_CARD_PAYMENT'], when: dayOfMonth(21), amount: fixed(-900) },
  // Business bank
  { account: 'biz_checking', name: 'STRIPE TRANSFER ST-4Y7K', merchant: 'Stripe', channel: 'online', category: ['INCOME', 'INCOME_OTHER_INCOME'], when: weekday(2), amount: between(-3200, -850) },
  { account: 'biz_checking', name: 'NORTHWIND TRADERS ACH CREDIT', merchant: 'Northwind Traders', channel: 'other', category: ['INCOME', 'INCOME_OTHER_INCOME'], when: dayOfMonth(15), amount: fixed(-6500) },
  { account: 'biz_checking', name: 'WEWORK MEMBERSHIP', merchant: 'WeWork', channel: 'online', category: ['RENT_AND_UTILITIES', 'RENT_AND_UTILITIES_RENT'], when: dayOfMonth(2), amount: fixed(450) },
  { account: 'biz_checking', name: 'OWNER DRAW TO JORDAN LEE', merchant: null, channel: 'other', category: ['TRANSFER_OUT', 'TRANSFER_OUT_ACCOUNT_TRANSFER'], when: dayOfMonth(25), amount: fixed(3000) },
  { account: 'biz_checking', name: 'PAYMENT TO BUSINESS CARD', merchant: null, channel: 'online', category: ['LOAN_PAYMENTS', 'LOAN_PAYMENTS_CREDIT_CARD_PAYMENT'], when: dayOfMonth(18), amount: fixed(350) },
  { account: 'biz_card', name: 'FIGMA MONTHLY', merchant: 'Figma', channel: 'online', category: ['GENERAL_SERVICES', 'GENERAL_SERVICES_OTHER_GENERAL_SERVICES'], when: dayOfMonth(3), amount: fixed(15) },
  { account: 'biz_card', name: 'GITHUB INC', merchant: 'GitHub', channel: 'online', category: ['GENERAL_SERVICES', 'GENERAL_SERVICES_OTHER_GENERAL_SERVICES'], when: dayOfMonth(6), amount: fixed(4) },
  { account: 'biz_card', name: 'NOTION LABS', merchant: 'Notion', channel: 'online', category: ['GENERAL_SERVICES', 'GENERAL_SERVICES_OTHER_GENERAL_SERVICES'], when: dayOfMonth(8), amount: fixed(10) },
  { account: 'biz_card', name: 'ADOBE *CREATIVE CLOUD', merchant: 'Adobe', channel: 'online', category: ['GENERAL_SERVICES', 'GENERAL_SERVICES_OTHER_GENERAL_SERVICES'], when: dayOfMonth(11), amount: fixed(59.99) },
  { account: 'biz_card', name: 'AWS EMEA', merchant: 'Amazon Web Services', channel: 'online', category: ['GENERAL_SERVICES', 'GENERAL_SERVICES_OTHER_GENERAL_SERVICES'], when: dayOfMonth(4), amount: between(18, 140) },
  { account: 'biz_card', name: 'UNITED AIRLINES', merchant: 'United Airlines', channel: 'online', category: ['TRAVEL', 'TRAVEL_FLIGHTS'], when: (day) => day % 37 === 20, amount: between(180, 620) },
  { account: 'biz_card', name: 'PAYMENT RECEIVED - THANK YOU', merchant: null, channel: 'other', category: ['LOAN_PAYMENTS', 'LOAN_PAYMENTS_CREDIT_CARD_PAYMENT'], when: dayOfMonth(19), amount: fixed(-350) },
];

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(iso: string, days: number): string {
  const date = new Date(`${iso}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return isoDay(date);
}

/**
 * Transactions of an institution's accounts over `days` days ending `today`, oldest first.
 * With `count`, the patterns repeat (each pass a little different) until exactly `count`
 * transactions exist, spread over the same days: for load tests.
 */
export function generateTransactions(institution: InstitutionTemplate, options: { seed: number; today: string; days: number; count?: number }): GeneratedTransaction[] {
  const random = seededRandom(options.seed);
  const accountKeys = new Set(institution.accounts.map((account) => account.key));
  const own = patterns.filter((pattern) => accountKeys.has(pattern.account));
  const start = addDays(options.today, -options.days + 1);
  const result: GeneratedTransaction[] = [];
  const emit = (pattern: Pattern, date: string, pass: number) => {
    result.push({
      accountKey: pattern.account,
      date,
      amountCents: pattern.amount(random) + (pass > 0 ? Math.round(random() * 100) * Math.sign(pattern.amount(random) || 1) : 0),
      name: pass > 0 ? `${pattern.name} ${pass}` : pattern.name,
      merchantName: pattern.merchant,
      channel: pattern.channel,
      category: { primary: pattern.category[0], detailed: pattern.category[1] },
    });
  };
  for (let pass = 0; ; pass += 1) {
    for (let dayIndex = 0; dayIndex < options.days; dayIndex += 1) {
      const date = addDays(start, dayIndex);
      const dateObject = new Date(`${date}T00:00:00Z`);
      for (const pattern of own) {
        if (options.count === undefined ? pattern.when(dayIndex, dateObject) : pattern.when((dayIndex + pass) % options.days, dateObject) || random() < 0.15) {
          emit(pattern, date, pass);
          if (options.count !== undefined && result.length >= options.count) return sortByDate(result);
        }
      }
    }
    if (options.count === undefined || own.length === 0) return sortByDate(result);
  }
}

function sortByDate(list: GeneratedTransaction[]): GeneratedTransaction[] {
  // Stable: same-day transactions keep their generation order.
  return list.map((txn, index) => ({ txn, index })).sort((a, b) => (a.txn.date < b.txn.date ? -1 : a.txn.date > b.txn.date ? 1 : a.index - b.index)).map(({ txn }) => txn);
}

/** Holdings for investment accounts (static, realistic). */
export const holdingsFor = [
  { ticker: 'VTI', name: 'Vanguard Total Stock Market ETF', type: 'etf', price: 268.42, quantity: 84.5, costBasis: 17_980.11 },
  { ticker: 'BND', name: 'Vanguard Total Bond Market ETF', type: 'etf', price: 72.31, quantity: 110, costBasis: 8_105.4 },
  { ticker: null, name: 'U S Dollar', type: 'cash', price: 1, quantity: 1_043.08, costBasis: 1_043.08 },
] as const;
