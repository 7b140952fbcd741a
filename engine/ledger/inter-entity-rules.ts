import { RuleViolation } from '../errors.js';
import type { PairRole } from './chart-of-accounts.js';
import type { AccountRow, EntityKind, TransferKind } from './types.js';

/** Which way money moves between the LLC and its owner. */
export type Direction = 'llc_to_owner' | 'owner_to_llc';

/** One line of a planned journal: a fixed account (the user's) or a pair account by role. */
type LinePart = 'amount' | 'principal' | 'interest';
type LineTarget = { account: 'from' | 'to'; part: LinePart } | { role: PairRole; part: LinePart };
export type PlannedLine = LineTarget & { sign: 1 | -1 };

export interface TransferPlan {
  /** Lines of the journal in the paying entity (the "from" side). */
  fromLines: PlannedLine[];
  /** Lines of the journal in the receiving entity (the "to" side). */
  toLines: PlannedLine[];
}

const debit = (line: LineTarget): PlannedLine => ({ ...line, sign: 1 });
const credit = (line: LineTarget): PlannedLine => ({ ...line, sign: -1 });

/** Kinds that only go one way: a draw always leaves the LLC, a contribution always enters it. */
const fixedDirection: Partial<Record<TransferKind, Direction>> = {
  owner_draw: 'llc_to_owner',
  capital_contribution: 'owner_to_llc',
};

/**
 * The accounting of each kind (LEDGER.md), debits positive. "from" is the account that pays,
 * "to" the account that receives (an expense category for expense_paid_for). An LLC paying a
 * personal expense is booked as due from owner, never as an LLC expense.
 */
export function transferPlan(kind: TransferKind, direction: Direction): TransferPlan {
  const llcPays = direction === 'llc_to_owner';
  switch (kind) {
    case 'owner_draw':
      return {
        fromLines: [debit({ role: 'owners_draws', part: 'amount' }), credit({ account: 'from', part: 'amount' })],
        toLines: [debit({ account: 'to', part: 'amount' }), credit({ role: 'distributions_from_llc', part: 'amount' })],
      };
    case 'capital_contribution':
      return {
        fromLines: [debit({ role: 'contributions_to_llc', part: 'amount' }), credit({ account: 'from', part: 'amount' })],
        toLines: [debit({ account: 'to', part: 'amount' }), credit({ role: 'owners_capital', part: 'amount' })],
      };
    case 'member_loan':
      return llcPays
        ? {
            fromLines: [debit({ role: 'loan_receivable_member', part: 'amount' }), credit({ account: 'from', part: 'amount' })],
            toLines: [debit({ account: 'to', part: 'amount' }), credit({ role: 'loan_payable_llc', part: 'amount' })],
          }
        : {
            fromLines: [debit({ role: 'loan_receivable_llc', part: 'amount' }), credit({ account: 'from', part: 'amount' })],
            toLines: [debit({ account: 'to', part: 'amount' }), credit({ role: 'loan_payable_member', part: 'amount' })],
          };
    case 'loan_repayment':
      return llcPays
        ? {
            fromLines: [
              debit({ role: 'loan_payable_member', part: 'principal' }),
              debit({ role: 'interest_expense_member', part: 'interest' }),
              credit({ account: 'from', part: 'amount' }),
            ],
            toLines: [
              debit({ account: 'to', part: 'amount' }),
              credit({ role: 'loan_receivable_llc', part: 'principal' }),
              credit({ role: 'interest_income_llc', part: 'interest' }),
            ],
          }
        : {
            fromLines: [
              debit({ role: 'loan_payable_llc', part: 'principal' }),
              debit({ role: 'interest_expense_llc', part: 'interest' }),
              credit({ account: 'from', part: 'amount' }),
            ],
            toLines: [
              debit({ account: 'to', part: 'amount' }),
              credit({ role: 'loan_receivable_member', part: 'principal' }),
              credit({ role: 'interest_income_member', part: 'interest' }),
            ],
          };
    case 'expense_paid_for':
      return llcPays
        ? {
            fromLines: [debit({ role: 'due_from_owner', part: 'amount' }), credit({ account: 'from', part: 'amount' })],
            toLines: [debit({ account: 'to', part: 'amount' }), credit({ role: 'due_to_llc', part: 'amount' })],
          }
        : {
            fromLines: [debit({ role: 'due_from_llc', part: 'amount' }), credit({ account: 'from', part: 'amount' })],
            toLines: [debit({ account: 'to', part: 'amount' }), credit({ role: 'due_to_owner', part: 'amount' })],
          };
    case 'reimbursement':
      return llcPays
        ? {
            fromLines: [debit({ role: 'due_to_owner', part: 'amount' }), credit({ account: 'from', part: 'amount' })],
            toLines: [debit({ account: 'to', part: 'amount' }), credit({ role: 'due_from_llc', part: 'amount' })],
          }
        : {
            fromLines: [debit({ role: 'due_to_llc', part: 'amount' }), credit({ account: 'from', part: 'amount' })],
            toLines: [debit({ account: 'to', part: 'amount' }), credit({ role: 'due_from_owner', part: 'amount' })],
          };
  }
}

/** The balance a repayment or reimbursement draws down, on the paying side (debit-positive). */
export function settledRole(kind: TransferKind, direction: Direction): PairRole | undefined {
  if (kind === 'loan_repayment') return direction === 'llc_to_owner' ? 'loan_payable_member' : 'loan_payable_llc';
  if (kind === 'reimbursement') return direction === 'llc_to_owner' ? 'due_to_owner' : 'due_to_llc';
  return undefined;
}

const cashSubtypes = ['checking', 'savings', 'money_market', 'cash'];

/** Checks who pays whom and with which kinds of accounts; all problems at once, by field. */
export function directionFor(
  kind: TransferKind,
  fromKind: EntityKind,
  toKind: EntityKind,
  fromAccount: Pick<AccountRow, 'type' | 'subtype' | 'role' | 'name'>,
  toAccount: Pick<AccountRow, 'type' | 'subtype' | 'role' | 'name'>,
): Direction {
  const problems = [];
  if (fromKind === toKind) {
    problems.push({ field: '/toAccountId', message: `an inter-entity transfer runs between an LLC and its owner, not two ${fromKind} entities`, code: 'same_entity_kind' });
    throw new RuleViolation('invalid inter-entity transfer', problems);
  }
  const direction: Direction = fromKind === 'llc' ? 'llc_to_owner' : 'owner_to_llc';
  const required = fixedDirection[kind];
  if (required && required !== direction) {
    const expected = required === 'llc_to_owner' ? 'from the LLC to the owner' : 'from the owner to the LLC';
    problems.push({ field: '/kind', message: `${kind} always moves money ${expected}`, code: 'wrong_direction' });
  }
  const payingWithCard = kind === 'expense_paid_for' && fromAccount.subtype === 'credit_card';
  if (!cashSubtypes.includes(fromAccount.subtype) && !payingWithCard) {
    problems.push({ field: '/fromAccountId', message: `${fromAccount.name} cannot pay: use a checking, savings or cash account${kind === 'expense_paid_for' ? ' (or a credit card)' : ''}`, code: 'not_a_paying_account' });
  }
  if (kind === 'expense_paid_for') {
    if (toAccount.type !== 'expense') problems.push({ field: '/toAccountId', message: `for expense_paid_for, choose the expense category of the entity the expense belongs to (${toAccount.name} is ${toAccount.type})`, code: 'not_an_expense' });
  } else if (!cashSubtypes.includes(toAccount.subtype)) {
    problems.push({ field: '/toAccountId', message: `${toAccount.name} cannot receive money: use a checking, savings or cash account`, code: 'not_a_receiving_account' });
  }
  if (problems.length > 0) throw new RuleViolation('invalid inter-entity transfer', problems);
  return direction;
}
