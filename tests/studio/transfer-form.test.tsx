import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TransferDetail } from '../../studio/src/api/types';
import { TransferForm } from '../../studio/src/pages/transactions/TransferForm';
import { llc, llcAccounts, personal, personalAccounts } from './fixtures';
import { fakeApi, problem, renderStudio, type Call } from './render';

const [llcChecking, ownersDraws] = llcAccounts as [typeof llcAccounts[number], typeof llcAccounts[number]];
const [personalChecking] = personalAccounts as [typeof personalAccounts[number]];
const distributions = personalAccounts.find((account) => account.role === 'distributions_from_llc')!;

afterEach(() => vi.unstubAllGlobals());

function detailOf(call: Call): TransferDetail {
  const body = call.body as { amount: string; purpose: string; date: string };
  const posting = (id: string, accountId: string, code: string, name: string, amount: string) => ({ id, accountId, accountCode: code, accountName: name, amount, currency: 'USD', memo: null });
  const journal = (id: string, entityId: string, postings: ReturnType<typeof posting>[]) => ({ id, entityId, date: body.date, memo: `Owner draw: ${body.purpose}`, payee: null, source: 'inter_entity' as const, reversesJournalId: null, reversedByJournalId: null, interEntityTransferId: 't', createdAt: '', postings });
  return {
    id: 't',
    kind: 'owner_draw',
    date: body.date,
    amount: body.amount,
    interest: '0.00',
    currency: 'USD',
    fromEntityId: llc.id,
    toEntityId: personal.id,
    fromAccountId: llcChecking.id,
    toAccountId: personalChecking.id,
    purpose: body.purpose,
    documentRef: null,
    reversed: false,
    createdAt: '',
    journals: [
      journal('j-llc', llc.id, [posting('1', ownersDraws.id, '3200', "Owner's Draws", body.amount), posting('2', llcChecking.id, '1000', 'Business Checking', `-${body.amount}`)]),
      journal('j-personal', personal.id, [posting('3', personalChecking.id, '1000', 'Checking', body.amount), posting('4', distributions.id, '3100', 'Distributions from Lee Studio LLC', `-${body.amount}`)]),
    ],
    balances: [],
    reconciled: true,
    ...(call.url.includes('preview') ? { preview: true as const } : {}),
  };
}

function fakeTransferApi(overrides: Record<string, (call: Call) => { status?: number; body?: unknown }> = {}) {
  return fakeApi({
    [`GET /entities/${llc.id}/accounts`]: () => ({ body: { data: llcAccounts } }),
    [`GET /entities/${personal.id}/accounts`]: () => ({ body: { data: personalAccounts } }),
    'POST /inter-entity-transfers/preview': (call) => ({ body: detailOf(call) }),
    'POST /inter-entity-transfers': (call) => ({ status: 201, body: detailOf(call) }),
    ...overrides,
  });
}

async function choose(label: string, option: string) {
  await userEvent.click(screen.getByRole('combobox', { name: label }));
  await userEvent.click(await screen.findByRole('option', { name: option }));
}

function renderForm(onRecorded = vi.fn()) {
  renderStudio(<TransferForm entities={[llc, personal]} currentEntity={llc} onRecorded={onRecorded} />);
  return onRecorded;
}

async function fillOwnerDraw({ purpose }: { purpose: string }) {
  await choose('Kind', 'Owner draw');
  await choose('From account', '1000 · Business Checking');
  await choose('To account', '1000 · Checking');
  await userEvent.type(screen.getByRole('textbox', { name: 'Amount' }), '1200');
  if (purpose) await userEvent.type(screen.getByRole('textbox', { name: 'Purpose' }), purpose);
}

describe('inter-entity transfer form', () => {
  it('requires the kind and the purpose before previewing', async () => {
    const api = fakeTransferApi();
    renderForm();
    await userEvent.click(screen.getByRole('button', { name: 'Preview journals' }));
    expect(await screen.findByRole('combobox', { name: 'Kind' })).toHaveAccessibleDescription(expect.stringContaining('Choose what kind of transfer this is'));
    expect(screen.getByRole('textbox', { name: 'Purpose' })).toHaveAccessibleDescription(expect.stringContaining('Say why the money moves'));
    expect(api.writes()).toHaveLength(0);

    await fillOwnerDraw({ purpose: 'ab' });
    await userEvent.click(screen.getByRole('button', { name: 'Preview journals' }));
    await waitFor(() => expect(screen.getByRole('textbox', { name: 'Purpose' })).toHaveAccessibleDescription(expect.stringContaining('at least 3 characters')));
    expect(screen.getByRole('combobox', { name: 'Kind' })).not.toHaveAccessibleDescription(expect.stringContaining('Choose what kind'));
    expect(api.writes()).toHaveLength(0);
  });

  it('shows both journals from the API preview, and records only on confirmation, with an Idempotency-Key', async () => {
    const api = fakeTransferApi();
    const onRecorded = renderForm();
    await fillOwnerDraw({ purpose: 'December draw' });
    await userEvent.click(screen.getByRole('button', { name: 'Preview journals' }));

    const llcJournal = await screen.findByRole('table', { name: 'LLC journal: Lee Studio LLC' });
    const personalJournal = screen.getByRole('table', { name: 'Personal journal: Jordan Lee' });
    expect(within(llcJournal).getByRole('row', { name: /Owner's Draws \$1,200\.00/ })).toBeInTheDocument();
    expect(within(personalJournal).getByRole('row', { name: /Distributions from Lee Studio LLC \$1,200\.00/ })).toBeInTheDocument();
    expect(api.writes().map((call) => call.url)).toEqual(['/api/v1/inter-entity-transfers/preview']);
    expect(api.writes()[0]!.body).toEqual({ kind: 'owner_draw', date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), amount: '1200.00', fromAccountId: llcChecking.id, toAccountId: personalChecking.id, purpose: 'December draw' });
    expect(onRecorded).not.toHaveBeenCalled();

    await userEvent.click(screen.getByRole('button', { name: 'Confirm and record' }));
    await waitFor(() => expect(onRecorded).toHaveBeenCalled());
    const record = api.writes()[1]!;
    expect(record.url).toBe('/api/v1/inter-entity-transfers');
    expect(record.body).toEqual(api.writes()[0]!.body);
    expect(record.headers['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("puts the API's refusal under the field it names, back on the form", async () => {
    fakeTransferApi({ 'POST /inter-entity-transfers/preview': () => problem(422, [{ field: '/amount', message: 'at most 500.00 of principal is outstanding', code: 'exceeds_outstanding' }]) });
    renderForm();
    await fillOwnerDraw({ purpose: 'Too much' });
    await userEvent.click(screen.getByRole('button', { name: 'Preview journals' }));
    await waitFor(() => expect(screen.getByRole('textbox', { name: 'Amount' })).toHaveAccessibleDescription('at most 500.00 of principal is outstanding'));
    expect(screen.queryByRole('button', { name: 'Confirm and record' })).toBeNull();
  });

  it('retries a failed recording with the same Idempotency-Key', async () => {
    let attempts = 0;
    const api = fakeTransferApi({
      'POST /inter-entity-transfers': (call) => {
        attempts += 1;
        return attempts === 1 ? { status: 503, body: { title: 'Unavailable', status: 503, detail: 'the database went away', code: 'unavailable' } } : { status: 201, body: detailOf(call) };
      },
    });
    const onRecorded = renderForm();
    await fillOwnerDraw({ purpose: 'December draw' });
    await userEvent.click(screen.getByRole('button', { name: 'Preview journals' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Confirm and record' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('the database went away');
    await userEvent.click(screen.getByRole('button', { name: 'Preview journals' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Confirm and record' }));
    await waitFor(() => expect(onRecorded).toHaveBeenCalled());
    const records = api.writes().filter((call) => call.url === '/api/v1/inter-entity-transfers');
    expect(records).toHaveLength(2);
    expect(records[1]!.headers['Idempotency-Key']).toBe(records[0]!.headers['Idempotency-Key']);
  });
});
