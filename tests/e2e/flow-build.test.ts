/**
 * Building a flow by hand in Chromium: drag nodes from the palette onto the canvas, connect their
 * handles with the mouse (a wrong connection is refused with its reason), fill the side panel,
 * see it validate, use undo/redo and the keyboard palette, and save version 1.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { choose, createEntity, navigateTo, signUp } from './pages.js';
import { launchBrowser, screenshot, seriousAxeViolations, startE2eServer, type E2eBrowser, type E2eServer } from './support.js';

let server: E2eServer;
let browser: E2eBrowser;
let page: Page;

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const handle = (nodeId: string, handleId: string) => page.locator(`.react-flow__handle[data-nodeid="${nodeId}"][data-handleid="${handleId}"]`);
const edges = () => page.locator('.react-flow__edge');

/** Drags from one handle to another with the mouse, as a person connects two nodes. */
async function connect(from: [string, string], to: [string, string]): Promise<void> {
  // Live validation (debounced) may add a problem line to a node and move its handles: let it settle.
  await page.waitForTimeout(900);
  const start = (await handle(...from).boundingBox())!;
  const end = (await handle(...to).boundingBox())!;
  await page.mouse.move(start.x + start.width / 2, start.y + start.height / 2);
  await page.mouse.down();
  await page.mouse.move((start.x + end.x) / 2, (start.y + end.y) / 2 + 20, { steps: 8 });
  await page.mouse.move(end.x + end.width / 2, end.y + end.height / 2, { steps: 8 });
  await page.mouse.up();
}

/** Drops a palette item onto the canvas at a point of the pane (HTML5 drag and drop). */
async function dropFromPalette(type: string, x: number, y: number): Promise<void> {
  await page.dragAndDrop(`button[data-node-type="${type}"]`, '.react-flow__pane', { targetPosition: { x, y } });
}

describe('building a flow from the palette', () => {
  it('starts an empty flow', async () => {
    await signUp(page, server.baseUrl);
    await createEntity(page, 'llc', 'Chen Consulting LLC');
    await createEntity(page, 'personal', 'Sam Chen');
    await navigateTo(page, 'Flows');
    await page.getByRole('link', { name: 'New flow' }).click();
    await page.getByText('Empty flow: drag a trigger').waitFor();
  });

  it('drops three nodes from the palette where the mouse lets go', async () => {
    await dropFromPalette('trigger.manual', 130, 90);
    await dropFromPalette('source.balance', 130, 300);
    await dropFromPalette('transfer', 420, 200);
    await page.getByTestId('node-trigger-manual-1').waitFor();
    await page.getByTestId('node-balance-1').waitFor();
    await page.getByTestId('node-transfer-1').waitFor();
    const trigger = (await page.getByTestId('node-trigger-manual-1').boundingBox())!;
    const transfer = (await page.getByTestId('node-transfer-1').boundingBox())!;
    expect(transfer.x).toBeGreaterThan(trigger.x + 150);
    // The last dropped node is selected, its settings in the side panel.
    await page.getByRole('heading', { name: /Transfer/ }).waitFor();
  });

  it('refuses a start signal into a money input, with the reason, and draws nothing', async () => {
    await connect(['trigger-manual-1', 'start'], ['transfer-1', 'in']);
    await expect(page.getByTestId('connection-refusal').textContent()).resolves.toContain('A trigger’s start signal goes to a source’s Start input, not into Transfer’s money input');
    await expect(edges().count()).resolves.toBe(0);
    await screenshot(page, 'flow-build-refused');
  });

  it('connects trigger → balance → transfer', async () => {
    await connect(['trigger-manual-1', 'start'], ['balance-1', 'start']);
    await expect.poll(() => edges().count()).toBe(1);
    await connect(['balance-1', 'out'], ['transfer-1', 'in']);
    await expect.poll(() => edges().count()).toBe(2);
    // Money the same output already sends elsewhere is refused too.
    await dropFromPalette('transfer', 420, 430);
    await page.getByTestId('node-transfer-2').waitFor();
    await connect(['balance-1', 'out'], ['transfer-2', 'in']);
    await expect(page.getByTestId('connection-refusal').textContent()).resolves.toMatch(/already sends its money to Transfer.*Use Allocate/);
    await expect(edges().count()).resolves.toBe(2);
  });

  it('undo and redo step through the edits; Delete removes the selection', async () => {
    await page.getByTestId('node-transfer-2').click();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.getByTestId('node-transfer-2').count()).toBe(0);
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByTestId('node-transfer-2').waitFor();
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('Control+Shift+Z');
    await expect.poll(() => page.getByTestId('node-transfer-2').count()).toBe(0);
    // The palette works from the keyboard: focus an item, press Enter.
    await page.locator('button[data-node-type="note"]').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('node-note-1').waitFor();
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('node-note-1').count()).toBe(0);
  });

  it('shows problems on the nodes until their accounts are chosen in the side panel', async () => {
    await page.getByRole('tab', { name: /^Problems/ }).click();
    await page.getByRole('button', { name: /Account balance “balance-1”: is required/ }).click();
    await expect(page.getByTestId('node-balance-1').textContent()).resolves.toMatch(/1 problem/);
    await choose(page, 'Account', /Business Checking \(LLC\)$/);
    await page.getByTestId('node-transfer-1').click();
    await choose(page, 'To', /Business Savings \(LLC\)$/);
    await page.getByRole('status').filter({ hasText: 'Valid' }).waitFor();
    await expect(page.getByTestId('node-transfer-1').textContent()).resolves.toContain('LLC');
    await screenshot(page, 'flow-build');
    await page.waitForLoadState('networkidle');
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('saves version 1 and previews it', async () => {
    await page.getByRole('tab', { name: 'Flow' }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill('Sweep checking to savings');
    await page.keyboard.press('Control+s');
    await page.getByRole('heading', { level: 1, name: 'Sweep checking to savings' }).waitFor();
    await page.getByText('v1', { exact: true }).waitFor();
    expect(page.url()).toMatch(/\/flows\/[0-9a-f-]{36}$/);
    const [flow] = await server.t.database.knex('flows').select('id', 'name', 'current_version');
    expect(flow).toMatchObject({ name: 'Sweep checking to savings', current_version: 1 });
    const version = await server.t.database.knex('flow_versions').where({ flow_id: flow.id }).first('graph');
    expect(version.graph.edges.map((edge: { source: string; target: string }) => `${edge.source}->${edge.target}`).sort()).toEqual(['balance-1->transfer-1', 'trigger-manual-1->balance-1']);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByTestId('plan-summary').waitFor();
    await expect(page.locator('[data-testid^="edge-amount-"]').count()).resolves.toBe(1);
  });
});
