/**
 * The editor's connection rules against the real node catalogue (the same one GET /node-types
 * serves): every refusal comes with a reason a person can act on, and what the engine accepts
 * the editor accepts.
 */
import { describe, expect, it } from 'vitest';
import { nodeTypeCatalogue } from '../../engine/flows/registry.js';
import { connectionOptions, connectionRefusal, reaches, type RuleGraph } from '../../studio/src/flows/connection-rules';
import type { NodeTypeInfo } from '../../studio/src/flows/flow-api';
import { catalogueOf } from '../../studio/src/flows/handles';

const catalogue = catalogueOf(JSON.parse(JSON.stringify(nodeTypeCatalogue())) as NodeTypeInfo[]);

const graph: RuleGraph = {
  nodes: [
    { id: 'go', type: 'trigger.manual', data: {} },
    { id: 'cash', type: 'source.balance', data: { accountId: 'a' } },
    { id: 'split', type: 'allocate', data: { outputs: [{ mode: 'percent', value: '30' }, { mode: 'remainder' }] } },
    { id: 'tax', type: 'transfer', data: { toAccountId: 'b' } },
    { id: 'rest', type: 'transfer', data: { toAccountId: 'c' } },
    { id: 'note', type: 'note', data: { text: 'hi' } },
  ],
  edges: [
    { id: 'e1', source: 'go', sourceHandle: 'start', target: 'cash', targetHandle: 'start' },
    { id: 'e2', source: 'cash', sourceHandle: 'out', target: 'split', targetHandle: 'in' },
    { id: 'e3', source: 'split', sourceHandle: 'out-0', target: 'tax', targetHandle: 'in' },
  ],
};

const attempt = (source: string, sourceHandle: string, target: string, targetHandle: string) => connectionRefusal({ source, sourceHandle, target, targetHandle }, graph, catalogue);

describe('connection rules', () => {
  it('accepts money to a money input and a start signal to a source', () => {
    expect(attempt('split', 'out-1', 'rest', 'in')).toBeNull();
    expect(attempt('tax', 'out', 'rest', 'in')).toBeNull();
    const fresh: RuleGraph = { nodes: graph.nodes, edges: [] };
    expect(connectionRefusal({ source: 'go', sourceHandle: 'start', target: 'cash', targetHandle: 'start' }, fresh, catalogue)).toBeNull();
  });

  it('refuses money into a Start input, and a start signal into a money input, saying which is which', () => {
    expect(attempt('split', 'out-1', 'cash', 'start')).toMatch(/Money cannot go into Account balance’s Start input/);
    expect(attempt('go', 'start', 'rest', 'in')).toMatch(/start signal goes to a source’s Start input/);
  });

  it('refuses a second destination for one money output and points to Allocate', () => {
    expect(attempt('split', 'out-0', 'rest', 'in')).toMatch(/already sends its money to Transfer.*Use Allocate to split money/);
  });

  it('a reconnected edge does not count against its own output', () => {
    expect(connectionRefusal({ source: 'split', sourceHandle: 'out-0', target: 'rest', targetHandle: 'in' }, graph, catalogue, 'e3')).toBeNull();
  });

  it('refuses cycles and self-loops', () => {
    expect(attempt('tax', 'out', 'split', 'in')).toMatch(/close a cycle/);
    expect(attempt('tax', 'out', 'tax', 'in')).toMatch(/cannot feed itself/);
    expect(reaches('cash', 'tax', graph.edges)).toBe(true);
    expect(reaches('tax', 'cash', graph.edges)).toBe(false);
  });

  it('refuses handles that do not exist, nodes that take no input and the same wire twice', () => {
    expect(attempt('split', 'out-7', 'rest', 'in')).toMatch(/has no output “out-7”/);
    expect(attempt('tax', 'out', 'note', 'in')).toMatch(/Note takes no input/);
    expect(attempt('tax', 'out', 'go', 'in')).toMatch(/Run manually takes no input/);
    expect(attempt('cash', 'out', 'split', 'in')).toMatch(/already connected/);
  });

  it('allocate has one output per configured share (the catalogue lists none for it)', () => {
    expect(catalogue.get('allocate')!.outputs).toEqual([]);
    expect(attempt('split', 'out-1', 'rest', 'in')).toBeNull();
    expect(attempt('split', 'out-2', 'rest', 'in')).toMatch(/no output/);
  });

  it('lists, for keyboard wiring, every input with the reason it is refused', () => {
    const options = connectionOptions('split', 'out-1', graph, catalogue);
    expect(options.find((option) => option.target === 'rest')).toMatchObject({ targetHandle: 'in', refusal: null });
    expect(options.find((option) => option.target === 'cash')!.refusal).toMatch(/Start input/);
    expect(options.find((option) => option.target === 'split')!.refusal).toMatch(/itself/);
  });
});
