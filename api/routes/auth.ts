import type { DependencyContainer } from 'tsyringe';
import { AuthService } from '../../engine/auth/auth-service.js';
import type { RouteRegistry } from '../route.js';
import { credentialsBody, refreshBody, registerBody } from '../schemas.js';

export function authRoutes(routes: RouteRegistry, container: DependencyContainer): void {
  const auth = container.resolve(AuthService);
  routes.add<{ email: string; password: string; householdName?: string }, unknown>({
    method: 'post',
    path: '/auth/register',
    tag: 'Auth',
    summary: 'Create an account and its household; returns tokens',
    auth: false,
    body: registerBody,
    success: { status: 201, description: 'Signed in' },
    handler: async ({ body }) => ({ status: 201, body: await auth.register(body.email, body.password, body.householdName) }),
  });
  routes.add<{ email: string; password: string }, unknown>({
    method: 'post',
    path: '/auth/login',
    tag: 'Auth',
    summary: 'Sign in with email and password',
    auth: false,
    body: credentialsBody,
    success: { status: 200, description: 'Signed in' },
    handler: async ({ body }) => ({ body: await auth.login(body.email, body.password) }),
  });
  routes.add<{ refreshToken: string }, unknown>({
    method: 'post',
    path: '/auth/refresh',
    tag: 'Auth',
    summary: 'Exchange a refresh token for new tokens (the old refresh token is spent)',
    auth: false,
    body: refreshBody,
    success: { status: 200, description: 'New tokens' },
    handler: async ({ body }) => ({ body: await auth.refresh(body.refreshToken) }),
  });
  routes.add<{ refreshToken: string }, unknown>({
    method: 'post',
    path: '/auth/logout',
    tag: 'Auth',
    summary: 'Revoke the session of a refresh token',
    auth: false,
    body: refreshBody,
    success: { status: 204, description: 'Signed out' },
    handler: async ({ body }) => {
      await auth.logout(body.refreshToken);
      return { status: 204 };
    },
  });
  routes.add({
    method: 'get',
    path: '/me',
    tag: 'Auth',
    summary: 'The signed-in user and household',
    auth: true,
    success: { status: 200, description: 'Current user' },
    handler: async ({ actor, db }) => {
      const user = await db('users').where({ id: actor.userId }).first('id', 'email', 'created_at');
      const household = await db('households').where({ id: actor.householdId }).first('id', 'name');
      return { body: { user: { id: user.id, email: user.email, createdAt: user.created_at }, household } };
    },
  });
}
