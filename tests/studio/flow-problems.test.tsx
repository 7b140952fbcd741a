/**
 * Validation messages: the problems list (every problem, a node's problem selects the node), and
 * the editor asking POST /flows/validate after an edit and showing the answer on the node, in the
 * list and on the field in the side panel.
 */
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setSession } from '../../studio/src/api/client';
import FlowEditorPage from '../../studio/src/flows/FlowEditorPage';
import type { FlowProblem, FlowView } from '../../studio/src/flows/flow-api';
import { catalogueOf } from '../../studio/src/flows/handles';
import { ProblemsList } from '../../studio/src/flows/ProblemsList';
import { accountNamed, accountsByEntity, json, llc, nodeTypes, personal, withProviders } from './flow-fixtures';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  setSession(null);
});

const catalogue = catalogueOf(nodeTypes);

describe('the problems list', () => {
  const problems: FlowProblem[] = [
    { nodeId: 'move', field: '/nodes/2/data/toAccountId', message: 'is required', code: 'required' },
    { field: '/nodes', message: 'add a trigger: a flow starts from exactly one', code: 'trigger_count' },
  ];

  it('names the node of each problem and selects it when clicked; flow-wide problems are listed too', async () => {
    const onSelectNode = vi.fn();
    withProviders(<ProblemsList problems={problems} catalogue={catalogue} nodeTypeOf={(id) => (id === 'move' ? 'transfer' : undefined)} onSelectNode={onSelectNode} />);
    expect(screen.getByText('2 problems to fix before this flow can run')).toBeInTheDocument();
    expect(screen.getByText('Flow: add a trigger: a flow starts from exactly one')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: /Transfer “move”: is required/ }));
    expect(onSelectNode).toHaveBeenCalledWith('move');
  });

  it('says so when there is nothing to fix', () => {
    withProviders(<ProblemsList problems={[]} catalogue={catalogue} nodeTypeOf={() => undefined} onSelectNode={() => {}} />);
    expect(screen.getByRole('status')).toHaveTextContent('No problems: this flow can run.');
  });
});

describe('live validation in the editor', () => {
  const flowId = '11111111-1111-4111-8111-111111111111';
  const flow: FlowView = {
    id: flowId,
    name: 'Sweep',
    description: null,
    version: 3,
    enabled: false,
    templateId: null,
    settings: { currency: 'USD' },
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    graph: {
      nodes: [
        { id: 'go', type: 'trigger.manual', data: {}, position: { x: 0, y: 0 } },
        { id: 'cash', type: 'source.fixed', data: { amount: '100.00', accountId: accountNamed('LLC Checking').id }, position: { x: 250, y: 0 } },
        { id: 'move', type: 'transfer', data: { toAccountId: accountNamed('Tax reserve').id }, position: { x: 500, y: 0 } },
      ],
      edges: [
        { id: 'e1', source: 'go', sourceHandle: 'start', target: 'cash', targetHandle: 'start' },
        { id: 'e2', source: 'cash', sourceHandle: 'out', target: 'move', targetHandle: 'in' },
      ],
    },
    problems: [],
  };

  it('sends the edited graph to POST /flows/validate and shows the problems on the node, in the list and on the field', async () => {
    const validateBodies: { graph: FlowView['graph'] }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit = {}) => {
        if (url === '/api/v1/node-types') return json({ data: nodeTypes });
        if (url === '/api/v1/entities') return json({ data: [llc, personal] });
        const accounts = /^\/api\/v1\/entities\/([^/]+)\/accounts$/.exec(url);
        if (accounts) return json({ data: accountsByEntity[accounts[1]!] });
        if (url === `/api/v1/flows/${flowId}`) return json(flow);
        if (url === '/api/v1/flows/validate') {
          const body = JSON.parse(String(init.body)) as { graph: FlowView['graph'] };
          validateBodies.push(body);
          const amount = body.graph.nodes.find((node) => node.id === 'cash')!.data.amount;
          return json({ problems: amount === '100.00' ? [] : [{ nodeId: 'cash', field: '/nodes/1/data/amount', message: 'must match pattern "^(0|[1-9][0-9]{0,17})(\\.[0-9]{1,3})?$"', code: 'pattern' }] });
        }
        return json({ data: [] });
      }),
    );
    withProviders(<FlowEditorPage />, { path: '/flows/:flowId', route: `/flows/${flowId}` });
    const cashNode = await screen.findByTestId('node-cash');
    expect(within(cashNode).getByText('Fixed amount')).toBeInTheDocument();
    // The node shows which entity its account belongs to.
    expect(within(cashNode).getByText('LLC')).toBeInTheDocument();

    // Select the node through the problems-free canvas: click it, edit its amount in the side panel.
    fireEvent.click(cashNode);
    const amount = await screen.findByRole('textbox', { name: /Amount/ });
    fireEvent.change(amount, { target: { value: '1e3' } });
    // The field's own rule answers at once …
    expect(screen.getByText(/Enter an amount with digits/)).toBeInTheDocument();
    // … and after the debounce the server's validator is asked with the edited graph.
    await waitFor(() => expect(validateBodies).toHaveLength(1), { timeout: 3000 });
    expect(validateBodies[0]!.graph.nodes.find((node) => node.id === 'cash')!.data).toMatchObject({ amount: '1e3' });
    await waitFor(() => expect(within(cashNode).getByText('1 problem')).toBeInTheDocument());
    expect(within(cashNode).getByText(/must match pattern/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('tab', { name: 'Problems (1)' }));
    const problem = await screen.findByRole('button', { name: /Fixed amount “cash”: must match pattern/ });
    await userEvent.click(problem);
    // Selecting the problem opens the node's settings, with the field marked.
    expect(await screen.findByRole('textbox', { name: /Amount/ })).toHaveAttribute('aria-invalid', 'true');
    await act(async () => {
      fireEvent.change(screen.getByRole('textbox', { name: /Amount/ }), { target: { value: '100.00' } });
    });
    await waitFor(() => expect(within(cashNode).queryByText('1 problem')).not.toBeInTheDocument(), { timeout: 3000 });
    expect(screen.getByText('Valid')).toBeInTheDocument();
  });
});
