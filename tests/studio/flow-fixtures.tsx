/** Shared by the flow component tests: the real node catalogue, two entities' accounts, and providers. */
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { nodeTypeCatalogue } from '../../engine/flows/registry.js';
import type { Account, Entity } from '../../studio/src/api/types';
import type { AccountOption } from '../../studio/src/flows/AccountPicker';
import type { NodeTypeInfo } from '../../studio/src/flows/flow-api';

// jsdom has no FontFaceSet; Mantine's autosizing textarea listens to it.
if (!('fonts' in document)) Object.defineProperty(document, 'fonts', { value: { addEventListener() {}, removeEventListener() {} } });

/** What GET /node-types answers (the engine's own catalogue, through JSON). */
export const nodeTypes = JSON.parse(JSON.stringify(nodeTypeCatalogue())) as NodeTypeInfo[];
export const nodeType = (type: string) => nodeTypes.find((info) => info.type === type)!;

export const llc: Entity = { id: '00000000-0000-4000-8000-00000000000a', kind: 'llc', name: 'Lee Studio LLC', slug: 'lee-studio', baseCurrency: 'USD', createdAt: '2026-01-01T00:00:00Z' };
export const personal: Entity = { id: '00000000-0000-4000-8000-00000000000b', kind: 'personal', name: 'Jordan Lee', slug: 'jordan', baseCurrency: 'USD', createdAt: '2026-01-01T00:00:00Z' };

function account(entity: Entity, n: number, code: string, name: string, type: Account['type'], subtype: string, balance = '0.00'): Account {
  return { id: `00000000-0000-4000-8000-${entity.kind === 'llc' ? '1' : '2'}${String(n).padStart(11, '0')}`, entityId: entity.id, code, name, type, subtype, role: null, counterpartyEntityId: null, currency: 'USD', allowOverdraft: false, scheduleCLine: null, description: null, archived: false, balance, normalBalance: type === 'asset' || type === 'expense' ? 'debit' : 'credit' };
}

export const accountsByEntity: Record<string, Account[]> = {
  [llc.id]: [account(llc, 1, '1000', 'LLC Checking', 'asset', 'bank', '5000.00'), account(llc, 2, '1050', 'Tax reserve', 'asset', 'bank'), account(llc, 3, '6000', 'Software', 'expense', 'expense')],
  [personal.id]: [account(personal, 1, '1000', 'Personal Checking', 'asset', 'bank', '800.00'), account(personal, 2, '1010', 'Savings', 'asset', 'bank'), account(personal, 3, '5000', 'Groceries', 'expense', 'expense')],
};

export const accountOptions: AccountOption[] = [llc, personal].flatMap((entity) => accountsByEntity[entity.id]!.map((item) => ({ ...item, entity })));
export const accountNamed = (name: string) => accountOptions.find((item) => item.name === name)!;

export function withProviders(ui: ReactNode, { path = '/', route = '/' }: { path?: string; route?: string } = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[route]}>
          <Routes>
            <Route path={path} element={ui} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

export const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
