import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Board, BoardCategory } from '../../studio/src/pages/budget/budget-api';
import { BudgetBoard } from '../../studio/src/pages/budget/BudgetBoard';
import { personal } from './fixtures';
import { fakeApi, problem, renderStudio } from './render';

afterEach(() => vi.unstubAllGlobals());

const month = '2026-04';
const ids = { rent: 'c0000000-0000-4000-8000-000000000001', groceries: 'c0000000-0000-4000-8000-000000000002', fun: 'c0000000-0000-4000-8000-000000000003', card: 'c0000000-0000-4000-8000-000000000004' };

function category(id: string, name: string, figures: Partial<BoardCategory> = {}): BoardCategory {
  return { id, code: '5000', name, kind: 'expense', hidden: false, assigned: '0.00', activity: '0.00', available: '0.00', carriedIn: '0.00', overspent: false, target: null, targetGoal: null, needed: null, targetStatus: null, underfunded: false, ...figures };
}

function board(overrides: Partial<Board> = {}, groceries: Partial<BoardCategory> = {}): Board {
  return {
    entityId: personal.id,
    entityName: personal.name,
    month,
    currency: 'USD',
    bounds: { firstMonth: '2025-07', lastMonth: '2028-12', currentMonth: '2026-12', previousMonth: '2026-03', nextMonth: '2026-05' },
    toBeAssigned: '700.00',
    toBeAssignedStatus: 'positive',
    toBeAssignedNote: null,
    summary: { income: '3000.00', fromLastMonth: '0.00', overspentLastMonth: '0.00', assigned: '2300.00', activity: '-2150.00', available: '150.00', held: '0.00' },
    reconciliation: { budgeted: '850.00', onBudgetCash: '850.00', balanced: true },
    groups: [
      {
        id: null,
        name: 'Spending',
        hidden: false,
        assigned: '2300.00',
        activity: '-2150.00',
        available: '150.00',
        categories: [
          category(ids.rent, 'Rent', { assigned: '1500.00', activity: '-1500.00', target: { kind: 'monthly', amount: '1600.00', byMonth: null }, targetGoal: '1600.00', needed: '100.00', targetStatus: 'underfunded', underfunded: true }),
          category(ids.groceries, 'Groceries', { assigned: '400.00', activity: '-400.00', ...groceries }),
          category(ids.fun, 'Fun Money', { assigned: '100.00', activity: '-250.00', available: '-150.00', overspent: true }),
        ],
      },
      { id: null, name: 'Credit card payments', hidden: false, assigned: '0.00', activity: '400.00', available: '400.00', categories: [category(ids.card, 'Credit Card payment', { kind: 'card_payment', activity: '400.00', available: '400.00' })] },
    ],
    ...overrides,
  };
}

const boardPath = `GET /entities/${personal.id}/budget/${month}`;
const sankeyPath = `GET /entities/${personal.id}/budget/${month}/sankey`;
const assignPath = (categoryId: string) => `PUT /entities/${personal.id}/budget/${month}/categories/${categoryId}`;
const emptySankey = () => ({ body: { month, currency: 'USD', nodes: [], links: [], inflow: '0.00', outflow: '0.00' } });

function renderBoard() {
  return renderStudio(<BudgetBoard entity={personal} month={month} onMonthChange={vi.fn()} />);
}

const cell = (name: string) => screen.findByRole('textbox', { name: `Assigned to ${name} in April 2026` });

describe('the budget board', () => {
  it('assigns a value inline: Enter sends a decimal string and shows the new board', async () => {
    const api = fakeApi({
      [boardPath]: () => ({ body: board() }),
      [sankeyPath]: emptySankey,
      [assignPath(ids.groceries)]: () => ({ body: board({ toBeAssigned: '575.00' }, { assigned: '525.00', available: '125.00' }) }),
    });
    renderBoard();
    const groceries = await cell('Groceries');
    expect(groceries).toHaveValue('400.00');
    await userEvent.clear(groceries);
    await userEvent.type(groceries, '525{Enter}');
    await waitFor(() => expect(screen.getByTestId('to-be-assigned')).toHaveTextContent('$575.00'));
    expect(api.writes()).toEqual([expect.objectContaining({ method: 'PUT', url: `/api/v1/entities/${personal.id}/budget/${month}/categories/${ids.groceries}`, body: { assigned: '525.00' } })]);
    expect(await cell('Groceries')).toHaveValue('525.00');
  });

  it('refuses a malformed amount with a message tied to the cell, sends nothing, and Escape puts the saved amount back', async () => {
    const api = fakeApi({ [boardPath]: () => ({ body: board() }), [sankeyPath]: emptySankey });
    renderBoard();
    const groceries = await cell('Groceries');
    await userEvent.clear(groceries);
    await userEvent.type(groceries, '12.345{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('Enter an amount such as 125.00: digits, at most 2 decimals');
    expect(groceries).toHaveAttribute('aria-invalid', 'true');
    expect(groceries).toHaveAccessibleDescription(/at most 2 decimals/);
    expect(api.writes()).toHaveLength(0);
    await userEvent.type(groceries, '{Escape}');
    expect(groceries).toHaveValue('400.00');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it("shows the API's refusal on the cell", async () => {
    fakeApi({
      [boardPath]: () => ({ body: board() }),
      [sankeyPath]: emptySankey,
      [assignPath(ids.rent)]: () => problem(422, [{ field: '/assigned', message: 'the amount is too large', code: 'too_large' }]),
    });
    renderBoard();
    const rent = await cell('Rent');
    await userEvent.clear(rent);
    await userEvent.type(rent, '999999999999999{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('the amount is too large');
  });

  it('moves between cells with the arrow keys', async () => {
    fakeApi({ [boardPath]: () => ({ body: board() }), [sankeyPath]: emptySankey });
    renderBoard();
    const rent = await cell('Rent');
    rent.focus();
    await userEvent.keyboard('{ArrowDown}');
    expect(await cell('Groceries')).toHaveFocus();
    await userEvent.keyboard('{ArrowDown}{ArrowDown}');
    expect(await cell('Credit Card payment')).toHaveFocus();
    await userEvent.keyboard('{ArrowUp}');
    expect(await cell('Fun Money')).toHaveFocus();
  });

  it('marks overspent and underfunded categories in words, and says when To be assigned is negative', async () => {
    fakeApi({
      [boardPath]: () => ({ body: board({ toBeAssigned: '-170.00', toBeAssignedStatus: 'negative', toBeAssignedNote: 'Over-assigned by 170.00: more is assigned than you have. Take 170.00 back from a category.' }) }),
      [sankeyPath]: emptySankey,
    });
    renderBoard();
    expect(await screen.findByRole('status')).toHaveTextContent('Over-assigned by 170.00');
    expect(screen.getByTestId('to-be-assigned')).toHaveTextContent('-$170.00');
    const fun = screen.getByTestId(`category-${ids.fun}`);
    expect(within(fun).getByText('Overspent')).toBeInTheDocument();
    const rent = screen.getByTestId(`category-${ids.rent}`);
    expect(within(rent).getByText('Needs 100.00')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Edit target for Rent' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Previous month, March 2026' })).toBeEnabled();
  });

  it('arranges categories: order, hidden, groups, sent as one layout', async () => {
    const api = fakeApi({
      [boardPath]: () => ({ body: board() }),
      [sankeyPath]: emptySankey,
      [`PUT /entities/${personal.id}/budget/layout`]: () => ({ body: { groups: [] } }),
    });
    renderBoard();
    await userEvent.click(await screen.findByRole('button', { name: 'Arrange categories' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Move Fun Money up' }));
    await userEvent.click(screen.getByRole('checkbox', { name: 'Hide Groceries' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'New group' }), 'Savings');
    await userEvent.click(screen.getByRole('button', { name: 'Add group' }));
    await userEvent.click(screen.getByRole('button', { name: 'Save layout' }));
    await waitFor(() => expect(api.writes()).toHaveLength(1));
    expect(api.writes()[0]!.body).toEqual({
      groups: [
        { name: 'Spending', hidden: false, categories: [{ id: ids.rent, hidden: false }, { id: ids.fun, hidden: false }, { id: ids.groceries, hidden: true }] },
        { name: 'Credit card payments', hidden: false, categories: [{ id: ids.card, hidden: false }] },
        { name: 'Savings', hidden: false, categories: [] },
      ],
    });
  });
});
