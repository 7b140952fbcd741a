import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import { currentSession, setSession } from '../../studio/src/api/client';
import SignInPage from '../../studio/src/pages/auth/SignInPage';
import { fakeApi, problem, renderStudio } from './render';

const tokens = { accessToken: 'access-token-1', accessTokenExpiresAt: '2026-12-01T00:15:00Z', refreshToken: 'refresh-token-1234567890', refreshTokenExpiresAt: '2026-12-31T00:00:00Z' };

function renderAt(route: string | { pathname: string; state: unknown }) {
  return renderStudio(
    <Routes>
      <Route path="/login" element={<SignInPage />} />
      <Route path="/register" element={<SignInPage />} />
      <Route path="/" element={<p>Dashboard here</p>} />
      <Route path="/accounts" element={<p>Accounts here</p>} />
    </Routes>,
    { route },
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  setSession(null);
});

describe('sign-in form', () => {
  it('says what is missing without calling the API', async () => {
    const api = fakeApi({});
    renderAt('/login');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Enter your email address, like you@example.com')).toBeInTheDocument();
    expect(screen.getByText('Enter your password')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Email' })).toHaveAttribute('aria-invalid', 'true');
    expect(api.calls).toHaveLength(0);
  });

  it('reports wrong credentials as an alert, without saying which one was wrong', async () => {
    fakeApi({ 'POST /auth/login': () => ({ status: 401, body: { title: 'Unauthorized', status: 401, detail: 'invalid email or password', code: 'unauthenticated' } }) });
    renderAt('/login');
    await userEvent.type(screen.getByRole('textbox', { name: 'Email' }), 'demo@sluice.local');
    await userEvent.type(screen.getByLabelText(/^Password/), 'not the password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That email and password do not match an account.');
    expect(currentSession()).toBeNull();
  });

  it("shows the API's field errors under the input they name", async () => {
    fakeApi({ 'POST /auth/register': () => problem(422, [{ field: '/password', message: 'Password must not be a single character repeated.', code: 'weak_password' }]) });
    renderAt('/register');
    await userEvent.type(screen.getByRole('textbox', { name: 'Email' }), 'new@example.com');
    await userEvent.type(screen.getByLabelText(/^Password/), 'aaaaaaaaaaaa');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    const password = screen.getByLabelText(/^Password/);
    await waitFor(() => expect(password).toHaveAccessibleDescription(expect.stringContaining('Password must not be a single character repeated.')));
    expect(password).toHaveAttribute('aria-invalid', 'true');
  });

  it('refuses a short password for a new account before sending it', async () => {
    const api = fakeApi({});
    renderAt('/register');
    await userEvent.type(screen.getByRole('textbox', { name: 'Email' }), 'new@example.com');
    await userEvent.type(screen.getByLabelText(/^Password/), 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByText('Use at least 10 characters')).toBeInTheDocument();
    expect(api.calls).toHaveLength(0);
  });

  it('signs in, keeps the session and goes back where the visitor was going', async () => {
    const api = fakeApi({ 'POST /auth/login': () => ({ body: { ...tokens, user: { id: 'u', email: 'demo@sluice.local' }, household: { id: 'h', name: 'Lee household' } } }) });
    renderAt({ pathname: '/login', state: { from: '/accounts' } });
    await userEvent.type(screen.getByRole('textbox', { name: 'Email' }), ' demo@sluice.local ');
    await userEvent.type(screen.getByLabelText(/^Password/), 'sluice-demo-2026');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Accounts here')).toBeInTheDocument();
    expect(api.writes()[0]!.body).toEqual({ email: 'demo@sluice.local', password: 'sluice-demo-2026' });
    expect(currentSession()).toEqual(tokens);
  });
});
