/**
 * Demo mode: with no PLAID_CLIENT_ID/PLAID_SECRET, `npm start` runs the Plaid-compatible sandbox
 * inside its own process and points the official client at it, so connecting a bank works out
 * of the box (the sandbox's consent page stands in for Plaid Link).
 */
import type { Logger } from 'pino';
import type { AppConfig } from '../../engine/config.js';
import { startPlaidSandbox, type PlaidSandbox } from './server.js';

export async function startLocalPlaidIfUnconfigured(config: AppConfig, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<PlaidSandbox | undefined> {
  const plaid = config.banking.plaid;
  if (plaid.clientId && plaid.secret) return undefined;
  const port = Number(env.PLAID_SANDBOX_PORT ?? 0);
  const credentials = { clientId: 'sluice-local-sandbox', secret: 'sluice-local-sandbox-secret' };
  const sandbox = await startPlaidSandbox({ ...credentials, port: Number.isSafeInteger(port) && port >= 0 ? port : 0, host: env.PLAID_SANDBOX_HOST ?? '127.0.0.1', ...(env.PLAID_SANDBOX_PUBLIC_URL ? { publicUrl: env.PLAID_SANDBOX_PUBLIC_URL } : {}) });
  config.banking.plaid = { ...plaid, ...credentials, basePath: sandbox.url, localSandbox: true };
  logger.info({ url: sandbox.url }, 'no Plaid credentials: the local Plaid sandbox is serving bank data (sign in with user_good / pass_good)');
  return sandbox;
}
