import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, type InitialEntry } from 'react-router';
import { vi } from 'vitest';
import { theme } from '../../studio/src/theme/theme';

// jsdom has no layout: Mantine's Combobox scrolls the selected option into view.
Element.prototype.scrollIntoView ??= function scrollIntoView() {};

/** Renders studio UI as the app does (Mantine, TanStack Query, router), with transitions and portals off. */
export function renderStudio(ui: ReactElement, { route = '/' as InitialEntry } = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <MantineProvider theme={theme} env="test">
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

export interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch stand-in answering by "METHOD /path" (query ignored); every call is recorded. */
export function fakeApi(routes: Record<string, (call: Call) => { status?: number; body?: unknown }>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (url: string, init: RequestInit = {}) => {
    const call: Call = { url, method: init.method ?? 'GET', headers: (init.headers as Record<string, string>) ?? {}, body: init.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const path = url.split('?')[0]!.replace(/^\/api\/v1/, '');
    const route = routes[`${call.method} ${path}`];
    if (!route) return new Response(JSON.stringify({ code: 'no_route', title: 'Not found', detail: `no fake for ${call.method} ${path}` }), { status: 404, headers: { 'content-type': 'application/problem+json' } });
    const { status = 200, body } = route(call);
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return { calls, fetchMock, writes: () => calls.filter((call) => call.method !== 'GET') };
}

export function problem(status: number, errors: { field: string; message: string; code?: string }[], detail = 'the request was refused') {
  return { status, body: { type: 'about:blank', title: status === 400 ? 'Bad request' : 'Unprocessable', status, detail, code: 'request_invalid', errors } };
}
