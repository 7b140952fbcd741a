/**
 * What every node and edge on the canvas reads besides its own settings: the catalogue, the
 * accounts (to show which entity a node's account belongs to), problems from live validation,
 * and the overlay of a preview or a run (amounts on edges, per-node trace). Kept out of node
 * data so that a new overlay is not an edit and never enters undo history.
 */
import { createContext, useContext } from 'react';
import type { AccountOption } from './AccountPicker';
import type { FlowProblem, NodeTrace } from './flow-api';
import type { Catalogue } from './handles';

export interface Overlay {
  /** Where it comes from: "Preview" or "Run 3f2a…". */
  source: string;
  edgeAmounts: ReadonlyMap<string, string>;
  trace: ReadonlyMap<string, NodeTrace>;
}

export interface EditorContextValue {
  catalogue: Catalogue;
  accountsById: ReadonlyMap<string, AccountOption>;
  problemsByNode: ReadonlyMap<string, FlowProblem[]>;
  overlay: Overlay | null;
  currency: string;
}

export const EditorContext = createContext<EditorContextValue>({ catalogue: new Map(), accountsById: new Map(), problemsByNode: new Map(), overlay: null, currency: 'USD' });

export const useEditorContext = () => useContext(EditorContext);
