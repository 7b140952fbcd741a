import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TransactionForm } from '../../studio/src/pages/transactions/TransactionForm';
import { personal, personalAccounts } from './fixtures';
import { fakeApi, problem, renderStudio } from './render';

const [checking, , groceries, clothing] = personalAccounts as [typeof personalAccounts[number], unknown, typeof personalAccounts[number], typeof personalAccounts[number]];
const journalsPath = `POST /entities/${personal.id}/journals`;

afterEach(() => vi.unstubAllGlobals());

function renderForm(onPosted = vi.fn()) {
  renderStudio(<TransactionForm entity={personal} accounts={personalAccounts} onPosted={onPosted} />);
  return onPosted;
}

async function choose(label: string, option: string) {
  await userEvent.click(screen.getByRole('combobox', { name: label }));
  await userEvent.click(await screen.findByRole('option', { name: option }));
}

async function fillSplitTransaction(total: string, splits: [string, string][]) {
  await choose('Paid from', '1000 · Checking');
  await userEvent.type(screen.getByRole('textbox', { name: 'Payee' }), 'Target');
  await userEvent.type(screen.getByRole('textbox', { name: 'Total amount' }), total);
  for (const [index, [category, amount]] of splits.entries()) {
    if (index > 0) await userEvent.click(screen.getByRole('button', { name: 'Add split' }));
    await choose(`Category ${index + 1}`, category);
    await userEvent.type(screen.getByRole('textbox', { name: `Amount ${index + 1}` }), amount);
  }
}

describe('transaction with splits', () => {
  it('refuses splits that do not add up to the total, before sending anything', async () => {
    const api = fakeApi({});
    const onPosted = renderForm();
    await fillSplitTransaction('100.00', [['5020 · Groceries', '60.00'], ['5090 · Clothing', '25.50']]);
    expect(screen.getByTestId('split-remainder')).toHaveTextContent('$14.50 left to assign');
    await userEvent.click(screen.getByRole('button', { name: 'Post transaction' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The splits add up to $85.50 but the total is $100.00: $14.50 is not assigned to a category. Nothing was sent.');
    expect(api.writes()).toHaveLength(0);
    expect(onPosted).not.toHaveBeenCalled();
  });

  it('checks each amount as text: no signs, no more decimals than the currency has', async () => {
    const api = fakeApi({});
    renderForm();
    await fillSplitTransaction('12.345', [['5020 · Groceries', '-5']]);
    await userEvent.click(screen.getByRole('button', { name: 'Post transaction' }));
    expect(await screen.findByRole('textbox', { name: 'Total amount' })).toHaveAccessibleDescription(/at most 2 decimals, no sign/);
    expect(screen.getByRole('textbox', { name: 'Amount 1' })).toHaveAccessibleDescription(/at most 2 decimals, no sign/);
    expect(api.writes()).toHaveLength(0);
  });

  it('sends balanced postings as decimal strings, debit-positive, with an Idempotency-Key', async () => {
    const api = fakeApi({ [journalsPath]: () => ({ status: 201, body: { id: 'j1', entityId: personal.id, date: '2026-06-03', memo: '', payee: 'Target', source: 'manual', postings: [] } }) });
    const onPosted = renderForm();
    await fillSplitTransaction('1,234.5', [['5020 · Groceries', '1200'], ['5090 · Clothing', '34.50']]);
    expect(screen.getByTestId('split-remainder')).toHaveTextContent('Splits match the total');
    await userEvent.click(screen.getByRole('button', { name: 'Post transaction' }));
    await waitFor(() => expect(onPosted).toHaveBeenCalled());
    const [post] = api.writes();
    expect(post!.headers['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(post!.body).toMatchObject({
      payee: 'Target',
      postings: [
        { accountId: groceries.id, amount: '1200.00' },
        { accountId: clothing.id, amount: '34.50' },
        { accountId: checking.id, amount: '-1234.50' },
      ],
    });
  });

  it("shows the API's field errors under the inputs they point at, and a retry reuses the key", async () => {
    const api = fakeApi({
      [journalsPath]: () =>
        problem(422, [
          { field: '/postings/1/amount', message: 'the second split is refused', code: 'test' },
          { field: '/postings/2/accountId', message: 'this account is archived', code: 'archived' },
          { field: '/date', message: 'must be between 1900-01-01 and 2999-12-31', code: 'date_out_of_range' },
        ]),
    });
    renderForm();
    await fillSplitTransaction('30.00', [['5020 · Groceries', '10.00'], ['5090 · Clothing', '20.00']]);
    await userEvent.click(screen.getByRole('button', { name: 'Post transaction' }));
    await waitFor(() => expect(screen.getByRole('textbox', { name: 'Amount 2' })).toHaveAccessibleDescription('the second split is refused'));
    expect(screen.getByRole('combobox', { name: 'Paid from' })).toHaveAccessibleDescription('this account is archived');
    expect(screen.getByLabelText(/^Date/)).toHaveAccessibleDescription('must be between 1900-01-01 and 2999-12-31');
    expect(screen.getByRole('textbox', { name: 'Amount 1' })).not.toHaveAccessibleDescription('the second split is refused');

    await userEvent.click(screen.getByRole('button', { name: 'Post transaction' }));
    await waitFor(() => expect(api.writes()).toHaveLength(2));
    const [first, second] = api.writes();
    expect(second!.headers['Idempotency-Key']).toBe(first!.headers['Idempotency-Key']);

    // Another body is another transaction: a new key (the same key with another body is a 409).
    await userEvent.clear(screen.getByRole('textbox', { name: 'Payee' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Payee' }), 'Costco');
    await userEvent.click(screen.getByRole('button', { name: 'Post transaction' }));
    await waitFor(() => expect(api.writes()).toHaveLength(3));
    expect(api.writes()[2]!.headers['Idempotency-Key']).not.toBe(first!.headers['Idempotency-Key']);
  });

  it('posts money in with the signs reversed', async () => {
    const api = fakeApi({ [journalsPath]: () => ({ status: 201, body: { id: 'j2', entityId: personal.id, date: '2026-06-03', memo: '', payee: null, source: 'manual', postings: [] } }) });
    renderForm();
    await userEvent.click(screen.getByText('Money in (income, refund)'));
    await choose('Received into', '1000 · Checking');
    await userEvent.type(screen.getByRole('textbox', { name: 'Total amount' }), '19.99');
    await choose('Category 1', '5090 · Clothing');
    await userEvent.type(screen.getByRole('textbox', { name: 'Amount 1' }), '19.99');
    await userEvent.click(screen.getByRole('button', { name: 'Post transaction' }));
    await waitFor(() => expect(api.writes()).toHaveLength(1));
    expect((api.writes()[0]!.body as { postings: unknown[] }).postings).toEqual([
      { accountId: clothing.id, amount: '-19.99' },
      { accountId: checking.id, amount: '19.99' },
    ]);
    expect(within(document.body).queryByRole('alert')).toBeNull();
  });
});
