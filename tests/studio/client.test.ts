import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiProblem, setSession } from '../../studio/src/api/client';

const tokens = (access: string, refresh: string) => ({ accessToken: access, accessTokenExpiresAt: '', refreshToken: refresh, refreshTokenExpiresAt: '' });

afterEach(() => {
  vi.unstubAllGlobals();
  setSession(null);
});

describe('the API client', () => {
  it('turns a problem+json answer into an ApiProblem with its field errors', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ code: 'request_invalid', title: 'Bad request', detail: 'the request is invalid', errors: [{ field: '/name', message: 'must not be empty' }] }), { status: 400, headers: { 'content-type': 'application/problem+json' } })));
    const error = await api('/entities', { method: 'POST', body: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiProblem);
    expect((error as ApiProblem).fieldError('/name')).toBe('must not be empty');
  });

  it('refreshes an expired access token once for concurrent calls, then retries them', async () => {
    setSession(tokens('old', 'r1'));
    const fetchMock = vi.fn(async (url: string, init: RequestInit) => {
      if (url === '/api/v1/auth/refresh') return new Response(JSON.stringify(tokens('new', 'r2')), { status: 200 });
      const auth = (init.headers as Record<string, string>).authorization;
      return auth === 'Bearer new' ? new Response(JSON.stringify({ ok: true }), { status: 200 }) : new Response('{}', { status: 401 });
    });
    vi.stubGlobal('fetch', fetchMock);
    const answers = await Promise.all([api('/me'), api('/entities')]);
    expect(answers).toEqual([{ ok: true }, { ok: true }]);
    expect(fetchMock.mock.calls.filter(([url]) => url === '/api/v1/auth/refresh')).toHaveLength(1);
  });
});
