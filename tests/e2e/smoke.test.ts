import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startE2eServer, type E2eBrowser, type E2eServer } from './support.js';

let server: E2eServer;
let browser: E2eBrowser;

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the studio is served by the API process', () => {
  it('answers index.html on a deep link and the page renders without errors', async () => {
    const response = await browser.page.goto(`${server.baseUrl}/flows`);
    expect(response?.status()).toBe(200);
    await expect(browser.page.title()).resolves.toBe('Sluice');
    expect(browser.errors).toEqual([]);
  });

  it('keeps unknown API paths as problem+json, not the studio', async () => {
    const response = await fetch(`${server.baseUrl}/api/v1/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});
