import { describe, expect, it } from 'vitest';
import {
  dormantMemberLoans,
  drawsBelowZeroCapital,
  isPlaceholderPurpose,
  paidForOtherEntity,
  undocumentedTransfers,
  unrecordedBankTransfers,
  type CashMove,
  type ExpensePayment,
  type TransferFact,
} from '../../engine/reports/commingling.js';

const period = { from: '2026-01-01', to: '2026-12-31' };
const payment = (entityId: string, date: string, payee: string, amountMinor: bigint): ExpensePayment => ({ entityId, journalId: `${entityId}-${date}-${payee}`, date, payee, memo: '', amountMinor });
const transfer = (kind: TransferFact['kind'], date: string, amountMinor: bigint, extra: Partial<TransferFact> = {}): TransferFact => ({
  id: `${kind}-${date}`, kind, date, amountMinor, fromEntityId: 'P', toEntityId: 'L', purpose: 'A real purpose', documentRef: 'Doc 1', reversed: false, fromJournalId: 'jf', toJournalId: 'jt', ...extra,
});

describe('paid for the other entity', () => {
  const history = [payment('L', '2026-01-07', 'Adobe', 5_999n), payment('L', '2026-02-07', 'Adobe', 5_999n), payment('P', '2026-01-08', 'Netflix', 1_549n)];

  it('flags the owner paying the LLC vendor its amount, and the LLC paying the owner vendor', () => {
    const flags = paidForOtherEntity([...history, payment('P', '2026-03-07', ' adobe ', 5_999n), payment('L', '2026-03-08', 'NETFLIX', 1_549n)], [], 'L', period, 'USD');
    expect(flags.map((flag) => [flag.code, flag.transactions[0]!.date])).toEqual([
      ['personal_paid_llc_expense', '2026-03-07'],
      ['llc_paid_personal_expense', '2026-03-08'],
    ]);
  });

  it('stays silent for other amounts, for documented ones, and for reversed documentation it does not trust', () => {
    expect(paidForOtherEntity([...history, payment('P', '2026-03-07', 'Adobe', 12_000n)], [], 'L', period, 'USD')).toEqual([]);
    const paidFor = transfer('expense_paid_for', '2026-03-20', 5_999n);
    expect(paidForOtherEntity([...history, payment('P', '2026-03-07', 'Adobe', 5_999n)], [paidFor], 'L', period, 'USD')).toEqual([]);
    expect(paidForOtherEntity([...history, payment('P', '2026-03-07', 'Adobe', 5_999n)], [{ ...paidFor, reversed: true }], 'L', period, 'USD')).toHaveLength(1);
    expect(paidForOtherEntity([...history, payment('P', '2026-03-07', 'Adobe', 5_999n)], [{ ...paidFor, date: '2026-09-01' }], 'L', period, 'USD')).toHaveLength(1);
  });
});

describe('unrecorded bank transfers', () => {
  const names = new Map([['L', 'Studio LLC'], ['P', 'Sam Lee']]);
  const move = (entityId: string, date: string, amountMinor: bigint, memo = '', nonOperatingCounter = false): CashMove => ({ entityId, journalId: `${entityId}-${date}-${amountMinor}`, date, amountMinor, payee: null, memo, nonOperatingCounter });

  it('pairs an outflow and an inflow of the same amount within days when something says transfer', () => {
    expect(unrecordedBankTransfers([move('L', '2026-02-01', -70_000n, 'Online transfer'), move('P', '2026-02-03', 70_000n)], names, period, 'USD')).toHaveLength(1);
    expect(unrecordedBankTransfers([move('L', '2026-02-01', -70_000n), move('P', '2026-02-02', 70_000n, 'From Studio LLC')], names, period, 'USD')).toHaveLength(1);
    expect(unrecordedBankTransfers([move('L', '2026-02-01', -70_000n, '', true), move('P', '2026-02-02', 70_000n)], names, period, 'USD')).toHaveLength(1);
  });

  it('ignores coincidences: ordinary income and expenses of equal amounts, far-apart dates, same entity', () => {
    expect(unrecordedBankTransfers([move('P', '2026-02-15', -300_000n, 'Federal estimated tax'), move('L', '2026-02-14', 300_000n, 'Invoice 1042')], names, period, 'USD')).toEqual([]);
    expect(unrecordedBankTransfers([move('L', '2026-02-01', -70_000n, 'transfer'), move('P', '2026-02-09', 70_000n)], names, period, 'USD')).toEqual([]);
    expect(unrecordedBankTransfers([move('L', '2026-02-01', -70_000n, 'transfer'), move('L', '2026-02-01', 70_000n)], names, period, 'USD')).toEqual([]);
  });
});

describe('transfer paperwork', () => {
  it('flags placeholder purposes and missing documents, not reversed transfers', () => {
    expect(isPlaceholderPurpose('misc.')).toBe(true);
    expect(isPlaceholderPurpose('Owner draw')).toBe(true);
    expect(isPlaceholderPurpose('Monthly owner draw for living costs')).toBe(false);
    const flags = undocumentedTransfers([transfer('owner_draw', '2026-01-28', 100n, { purpose: 'TBD' }), transfer('owner_draw', '2026-02-28', 100n, { documentRef: null }), transfer('owner_draw', '2026-03-28', 100n, { documentRef: null, reversed: true })], 'L', 'USD');
    expect(flags.map((flag) => flag.code)).toEqual(['transfer_missing_purpose', 'transfer_missing_document']);
  });
});

describe('dormant member loans', () => {
  const loan = transfer('member_loan', '2026-01-10', 400_000n);
  const repayment = transfer('loan_repayment', '2026-03-10', 100_000n, { fromEntityId: 'L', toEntityId: 'P' });

  it('fires only when a balance is outstanding and the last repayment is older than the limit', () => {
    expect(dormantMemberLoans([loan, repayment], { ownerOwedMinor: 300_000n, llcOwedMinor: 0n }, '2026-08-31', 6, 'L', 'USD')).toEqual([]);
    expect(dormantMemberLoans([loan, repayment], { ownerOwedMinor: 300_000n, llcOwedMinor: 0n }, '2026-09-30', 6, 'L', 'USD')).toHaveLength(1);
    expect(dormantMemberLoans([loan, repayment], { ownerOwedMinor: 0n, llcOwedMinor: 0n }, '2027-09-30', 6, 'L', 'USD')).toEqual([]);
    const never = dormantMemberLoans([loan], { ownerOwedMinor: 400_000n, llcOwedMinor: 0n }, '2026-12-31', 6, 'L', 'USD');
    expect(never[0]!.message).toMatch(/never been repaid/);
  });

  it('watches a loan from the LLC to its member too', () => {
    const toOwner = transfer('member_loan', '2026-01-10', 50_000n, { fromEntityId: 'L', toEntityId: 'P' });
    expect(dormantMemberLoans([toOwner], { ownerOwedMinor: 0n, llcOwedMinor: 50_000n }, '2026-12-31', 6, 'L', 'USD')[0]!.message).toMatch(/loan to its member/);
  });
});

describe('draws below zero capital', () => {
  it('flags the draw after which capital is negative, counting earnings of the same day', () => {
    const draws = [transfer('owner_draw', '2026-02-28', 50_000n, { fromEntityId: 'L', toEntityId: 'P' }), transfer('owner_draw', '2026-03-28', 50_000n, { fromEntityId: 'L', toEntityId: 'P' })];
    const changes = [
      { date: '2026-02-10', changeMinor: 20_000n },
      { date: '2026-02-28', changeMinor: -50_000n },
      { date: '2026-03-28', changeMinor: -50_000n },
      { date: '2026-03-28', changeMinor: 10_000n },
    ];
    const flags = drawsBelowZeroCapital(40_000n, changes, draws, 'L', 'USD');
    expect(flags.map((flag) => flag.transactions[0]!.date)).toEqual(['2026-03-28']);
    expect(flags[0]!.message).toMatch(/-300\.00/);
  });
});
