/** Undo/redo snapshots and copy/paste of nodes: pure functions the editor's shortcuts call. */
import { describe, expect, it } from 'vitest';
import { freshNodeId, pasteCopies } from '../../studio/src/flows/graph-convert';
import { checkpoint, emptyStacks, historyLimit, redoStep, undoStep } from '../../studio/src/flows/history';

describe('undo history', () => {
  it('undoes and redoes edits in order; a new edit drops the redo steps', () => {
    let stacks = emptyStacks<string>();
    stacks = checkpoint(stacks, 'a'); // a → b
    stacks = checkpoint(stacks, 'b'); // b → c
    let undone = undoStep(stacks, 'c');
    expect(undone.restored).toBe('b');
    undone = undoStep(undone.stacks, 'b');
    expect(undone.restored).toBe('a');
    expect(undoStep(undone.stacks, 'a').restored).toBeUndefined();
    const redone = redoStep(undone.stacks, 'a');
    expect(redone.restored).toBe('b');
    expect(checkpoint(redone.stacks, 'b').future).toEqual([]);
  });

  it('keeps at most historyLimit steps', () => {
    let stacks = emptyStacks<number>();
    for (let step = 0; step < historyLimit + 20; step += 1) stacks = checkpoint(stacks, step);
    expect(stacks.past).toHaveLength(historyLimit);
    expect(stacks.past[0]).toBe(20);
  });
});

describe('paste', () => {
  it('gives copies fresh ids, keeps the connections among them and drops the ones to nodes not copied', () => {
    const copied = {
      nodes: [
        { id: 'transfer-1', type: 'transfer', data: { toAccountId: 'x' }, position: { x: 0, y: 0 } },
        { id: 'allocate-1', type: 'allocate', data: { outputs: [{ mode: 'remainder' }] }, position: { x: 100, y: 0 } },
      ],
      edges: [
        { id: 'e1', source: 'allocate-1', sourceHandle: 'out-0', target: 'transfer-1', targetHandle: 'in' },
        { id: 'e2', source: 'balance-1', sourceHandle: 'out', target: 'allocate-1', targetHandle: 'in' },
      ],
    };
    const taken = new Set(['transfer-1', 'allocate-1', 'balance-1']);
    const pasted = pasteCopies(copied, taken, new Set(['e1', 'e2']));
    expect(pasted.nodes.map((node) => node.id)).toEqual(['transfer-2', 'allocate-2']);
    expect(pasted.nodes[0]!.position).toEqual({ x: 40, y: 40 });
    expect(pasted.edges).toEqual([{ id: 'e3', source: 'allocate-2', sourceHandle: 'out-0', target: 'transfer-2', targetHandle: 'in' }]);
    // The copy's settings are its own.
    (pasted.nodes[1]!.data.outputs as unknown[]).push({ mode: 'percent' });
    expect(copied.nodes[1]!.data.outputs).toHaveLength(1);
    expect(freshNodeId('trigger.manual', new Set())).toBe('trigger-manual-1');
    expect(freshNodeId('source.balance', new Set(['balance-1']))).toBe('balance-2');
  });
});
