import type { Account, AccountType } from '../api/types';
import { currencyExponent, fromMinor, toMinor } from './money';

const balanceSheet: readonly AccountType[] = ['asset', 'liability'];

/**
 * Net worth of one entity: assets plus liabilities in debit-positive terms (a card owing 120 is
 * -120), exact in minor units. Per currency; the studio shows the entity's base currency.
 */
export function netWorth(accounts: readonly Pick<Account, 'type' | 'balance' | 'currency'>[], currency: string): string {
  const exponent = currencyExponent(currency);
  const total = accounts
    .filter((account) => balanceSheet.includes(account.type) && account.currency === currency)
    .reduce((sum, account) => sum + toMinor(account.balance, exponent), 0n);
  return fromMinor(total, exponent);
}

export function sumOf(decimals: readonly string[], currency: string): string {
  const exponent = currencyExponent(currency);
  return fromMinor(decimals.reduce((sum, decimal) => sum + toMinor(decimal, exponent), 0n), exponent);
}

export const accountTypeLabel: Record<AccountType, string> = {
  asset: 'Assets',
  liability: 'Liabilities',
  equity: 'Equity',
  income: 'Income',
  expense: 'Expenses',
};

/** Accounts that hold money (bank, cash, cards, loans, investments): where a transaction starts. */
export const moneySubtypes = ['checking', 'savings', 'money_market', 'cash', 'brokerage', 'retirement', 'credit_card', 'loan', 'mortgage'];

/** Accounts that can pay or receive an inter-entity transfer (the API's rule: cash accounts). */
export const cashSubtypes = ['checking', 'savings', 'money_market', 'cash'];

export function subtypeLabel(subtype: string): string {
  return subtype.replace(/_/g, ' ').replace(/^\w/, (letter) => letter.toUpperCase());
}
