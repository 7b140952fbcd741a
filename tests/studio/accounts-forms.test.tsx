import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccountForm } from '../../studio/src/pages/accounts/AccountForm';
import { EntityForm } from '../../studio/src/pages/accounts/EntityForm';
import { llc } from './fixtures';
import { fakeApi, problem, renderStudio } from './render';

afterEach(() => vi.unstubAllGlobals());

describe('new entity form', () => {
  it('asks for the kind and a name before sending', async () => {
    const api = fakeApi({});
    renderStudio(<EntityForm onCreated={vi.fn()} />);
    await userEvent.click(screen.getByRole('button', { name: 'Create entity' }));
    expect(await screen.findByText('Choose LLC or personal')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Name' })).toHaveAccessibleDescription('Give the entity a name');
    expect(api.calls).toHaveLength(0);
  });

  it('creates an LLC and shows an API refusal under the name', async () => {
    const api = fakeApi({ 'POST /entities': () => problem(400, [{ field: '/name', message: 'must NOT have more than 120 characters' }]) });
    renderStudio(<EntityForm onCreated={vi.fn()} />);
    await userEvent.click(screen.getByRole('radio', { name: 'LLC' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Name' }), '  Lee Studio LLC ');
    await userEvent.click(screen.getByRole('button', { name: 'Create entity' }));
    await waitFor(() => expect(screen.getByRole('textbox', { name: 'Name' })).toHaveAccessibleDescription('must NOT have more than 120 characters'));
    expect(api.writes()[0]!.body).toEqual({ kind: 'llc', name: 'Lee Studio LLC' });
  });
});

describe('new account form', () => {
  it('requires a name and a type, and checks the code', async () => {
    const api = fakeApi({});
    renderStudio(<AccountForm entity={llc} onCreated={vi.fn()} />);
    await userEvent.type(screen.getByRole('textbox', { name: 'Code' }), 'not a code!');
    await userEvent.click(screen.getByRole('button', { name: 'Add account' }));
    expect(await screen.findByRole('textbox', { name: 'Account name' })).toHaveAccessibleDescription('Give the account a name');
    expect(screen.getByRole('combobox', { name: 'Type' })).toHaveAccessibleDescription('Choose what kind of account this is');
    expect(screen.getByRole('textbox', { name: 'Code' })).toHaveAccessibleDescription(expect.stringContaining('Up to 20 letters, digits, dots or dashes'));
    expect(api.calls).toHaveLength(0);
  });

  it('sends the subtype chosen for the type, and puts a duplicate code under the code', async () => {
    const created = vi.fn();
    const api = fakeApi({ [`POST /entities/${llc.id}/accounts`]: () => problem(409, [{ field: '/code', message: 'code 1000 is already used in this entity', code: 'duplicate_code' }], 'duplicate code') });
    renderStudio(<AccountForm entity={llc} onCreated={created} />);
    await userEvent.type(screen.getByRole('textbox', { name: 'Account name' }), 'Payroll Checking');
    await userEvent.click(screen.getByRole('combobox', { name: 'Type' }));
    await userEvent.click(await screen.findByRole('option', { name: 'Asset (bank, cash, investments)' }));
    await userEvent.click(screen.getByRole('combobox', { name: 'Subtype' }));
    await userEvent.click(await screen.findByRole('option', { name: 'Savings' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Code' }), '1000');
    await userEvent.click(screen.getByRole('button', { name: 'Add account' }));
    await waitFor(() => expect(screen.getByRole('textbox', { name: 'Code' })).toHaveAccessibleDescription(expect.stringContaining('code 1000 is already used in this entity')));
    expect(api.writes()[0]!.body).toEqual({ name: 'Payroll Checking', type: 'asset', subtype: 'savings', code: '1000', allowOverdraft: false });
    expect(created).not.toHaveBeenCalled();
  });
});
