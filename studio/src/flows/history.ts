/**
 * Undo/redo as a history of graph snapshots (pure). Before every edit a person would call one
 * step — a drop, a connection, a deletion, a paste, a drag, a settings change — the editor
 * records the graph as it was; undo swaps the current graph with the last recorded one.
 * Snapshots are plain immutable values.
 */
export interface Stacks<T> {
  past: readonly T[];
  future: readonly T[];
}

/** Enough to undo a long session; older steps fall off (everything has a bound). */
export const historyLimit = 100;

export const emptyStacks = <T>(): Stacks<T> => ({ past: [], future: [] });

/** Records `current` before an edit; redo is lost, as in every editor. */
export function checkpoint<T>(stacks: Stacks<T>, current: T): Stacks<T> {
  return { past: [...stacks.past, current].slice(-historyLimit), future: [] };
}

/** The graph to show after undo (undefined: nothing to undo) and the new stacks. */
export function undoStep<T>(stacks: Stacks<T>, current: T): { stacks: Stacks<T>; restored?: T } {
  const restored = stacks.past[stacks.past.length - 1];
  if (restored === undefined) return { stacks };
  return { stacks: { past: stacks.past.slice(0, -1), future: [current, ...stacks.future] }, restored };
}

export function redoStep<T>(stacks: Stacks<T>, current: T): { stacks: Stacks<T>; restored?: T } {
  const restored = stacks.future[0];
  if (restored === undefined) return { stacks };
  return { stacks: { past: [...stacks.past, current].slice(-historyLimit), future: stacks.future.slice(1) }, restored };
}
