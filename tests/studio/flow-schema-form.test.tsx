/**
 * The settings form generated from each node type's JSON Schema: the right control per field,
 * account pickers limited to the right accounts and entities, and the messages shown for a
 * malformed amount, a missing value and a server problem.
 */
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { filterAccounts } from '../../studio/src/flows/AccountPicker';
import { fieldProblem, moneyMessage, percentMessage, valueKind } from '../../studio/src/flows/field-rules';
import { SchemaForm } from '../../studio/src/flows/SchemaForm';
import { accountNamed, accountOptions, llc, nodeType, withProviders } from './flow-fixtures';

function Harness({ type, initial, serverErrors, onChange }: { type: string; initial: Record<string, unknown>; serverErrors?: Record<string, string>; onChange?(data: Record<string, unknown>): void }) {
  const [data, setData] = useState(initial);
  return (
    <SchemaForm
      nodeType={nodeType(type)}
      data={data}
      onChange={(next) => {
        setData(next);
        onChange?.(next);
      }}
      accounts={accountOptions}
      serverErrors={serverErrors}
      idPrefix="test"
    />
  );
}

/** Opens a Mantine select and answers its list of options. */
async function openOptions(input: HTMLElement): Promise<HTMLElement> {
  await userEvent.click(input);
  await waitFor(() => expect(input).toHaveAttribute('aria-controls'));
  return document.getElementById(input.getAttribute('aria-controls')!)!;
}

describe('field rules', () => {
  it('reads money as decimal strings only', () => {
    const money = nodeType('source.fixed').schema.properties!.amount!;
    expect(valueKind('amount', money, {})).toBe('money');
    for (const good of ['0', '500', '500.00', '12.5']) expect(fieldProblem(good, money, 'money', true)).toBeUndefined();
    for (const bad of ['12,50', '$5', '1e3', '-5', '.5', '01']) expect(fieldProblem(bad, money, 'money', true)).toBe(moneyMessage);
    expect(fieldProblem('', money, 'money', true)).toBe('Required');
    expect(fieldProblem('', money, 'money', false)).toBeUndefined();
  });

  it("allocate's value is a percentage, an amount or nothing, by the output's mode", () => {
    const value = nodeType('allocate').schema.properties!.outputs!.items!.properties!.value!;
    expect(valueKind('value', value, { mode: 'percent' })).toBe('percent');
    expect(valueKind('value', value, { mode: 'fixed' })).toBe('money');
    expect(valueKind('value', value, { mode: 'remainder' })).toBe('none');
    expect(fieldProblem('101', value, 'percent', true)).toBe(percentMessage);
    expect(fieldProblem('12.5', value, 'percent', true)).toBeUndefined();
  });

  it('json-logic fields are JSON', () => {
    expect(valueKind('logic', nodeType('condition').schema.properties!.logic!, {})).toBe('json');
  });

  it('account filters keep to the types and entity asked for', () => {
    expect(filterAccounts(accountOptions, { types: ['expense'] }).map((item) => item.name)).toEqual(['Software', 'Groceries']);
    expect(filterAccounts(accountOptions, { types: ['asset'], entityKinds: ['personal'] }).map((item) => item.name)).toEqual(['Personal Checking', 'Savings']);
    expect(filterAccounts(accountOptions, { entityId: llc.id }).every((item) => item.entity.kind === 'llc')).toBe(true);
  });
});

describe('the generated form', () => {
  it('shows the decimal message under a malformed amount, and clears it once the amount is right', async () => {
    const onChange = vi.fn();
    withProviders(<Harness type="source.fixed" initial={{ amount: '100.00' }} onChange={onChange} />);
    const amount = screen.getByRole('textbox', { name: /Amount/ });
    fireEvent.change(amount, { target: { value: '12,50' } });
    expect(await screen.findByText(moneyMessage)).toBeInTheDocument();
    expect(amount).toHaveAttribute('aria-invalid', 'true');
    fireEvent.change(amount, { target: { value: '12.50' } });
    expect(screen.queryByText(moneyMessage)).not.toBeInTheDocument();
    expect(onChange).toHaveBeenLastCalledWith({ amount: '12.50' });
  });

  it('a required text left empty says so; optional fields are dropped from the data when emptied', async () => {
    const onChange = vi.fn();
    withProviders(<Harness type="pay_bill" initial={{ payee: 'Landlord', memo: 'Rent' }} onChange={onChange} />);
    fireEvent.change(screen.getByRole('textbox', { name: /Payee/ }), { target: { value: '' } });
    expect(await screen.findByText('Required')).toBeInTheDocument();
    fireEvent.change(screen.getByRole('textbox', { name: /Memo/ }), { target: { value: '' } });
    expect(onChange).toHaveBeenLastCalledWith({});
  });

  it('renders enums as selects, account fields as pickers grouped by entity, and shows the server’s problem on its field', async () => {
    withProviders(<Harness type="transfer" initial={{ toAccountId: accountNamed('Savings').id }} serverErrors={{ '/kind': 'choose the kind of inter-entity transfer' }} />);
    expect(screen.getByText('choose the kind of inter-entity transfer')).toBeInTheDocument();
    // The chosen account shows its entity.
    expect(screen.getAllByText('Personal · Jordan Lee').length).toBeGreaterThan(0);
    const from = screen.getByRole('combobox', { name: 'From' });
    const listbox = await openOptions(from);
    expect(within(listbox).getByText('LLC · Lee Studio LLC')).toBeInTheDocument();
    expect(within(listbox).getByText('Personal · Jordan Lee')).toBeInTheDocument();
    // Transfers move between cash-like accounts: no expense categories offered.
    expect(within(listbox).queryByText(/Software/)).not.toBeInTheDocument();
    expect(within(listbox).getByText(/LLC Checking/)).toBeInTheDocument();
  });

  it('a bill is paid inside the paying entity: with an LLC account to pay from, only LLC bills are offered', async () => {
    withProviders(<Harness type="pay_bill" initial={{ payee: 'Adobe', fromAccountId: accountNamed('LLC Checking').id }} />);
    const listbox = await openOptions(screen.getByRole('combobox', { name: /Bill/ }));
    expect(within(listbox).getByText(/Software/)).toBeInTheDocument();
    expect(within(listbox).queryByText(/Groceries/)).not.toBeInTheDocument();
  });

  it("edits allocate's outputs: add one, a bad percentage is flagged, a remainder takes no value", async () => {
    const onChange = vi.fn();
    withProviders(<Harness type="allocate" initial={{ outputs: [{ mode: 'percent', value: '30' }, { mode: 'remainder' }] }} onChange={onChange} />);
    expect(screen.getAllByRole('group')).toHaveLength(2);
    await userEvent.click(screen.getByRole('button', { name: 'Add output' }));
    expect(onChange).toHaveBeenLastCalledWith({ outputs: [{ mode: 'percent', value: '30' }, { mode: 'remainder' }, { mode: 'percent', value: '10' }] });
    const values = screen.getAllByRole('textbox', { name: /Value \(%\)/ });
    expect(values).toHaveLength(2);
    fireEvent.change(values[0]!, { target: { value: '130' } });
    expect(await screen.findByText(percentMessage)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Remove output 3' }));
    expect(onChange).toHaveBeenLastCalledWith({ outputs: [{ mode: 'percent', value: '130' }, { mode: 'remainder' }] });
  });

  it('a json-logic rule that does not parse is reported and not applied', async () => {
    const onChange = vi.fn();
    withProviders(<Harness type="condition" initial={{ logic: { '>=': [{ var: 'amount' }, 1000] } }} onChange={onChange} />);
    const rule = screen.getByRole('textbox', { name: /Rule/ });
    fireEvent.change(rule, { target: { value: '{">=": [' } });
    expect(await screen.findByText(/Not valid JSON/)).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.change(rule, { target: { value: '{"<": [{"var": "amount"}, 5]}' } });
    expect(onChange).toHaveBeenLastCalledWith({ logic: { '<': [{ var: 'amount' }, 5] } });
  });
});
