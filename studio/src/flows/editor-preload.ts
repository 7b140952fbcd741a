/**
 * Starting the flow editor early: its two chunks (the page, then React Flow's editor) and the
 * three answers it waits for (the flow, the node catalogue, the accounts) are requested together,
 * as soon as the app knows the editor is coming — at startup on a /flows/:id address, when a flow's
 * link is hovered or focused, and (chunks only) when the browser is idle after sign-in — instead of
 * one after the other behind the lazy route. The queries are the hooks' own, so they fill the same
 * cache entries the editor reads.
 */
import type { QueryClient } from '@tanstack/react-query';
import { currentSession } from '../api/client';
import { allAccountsQuery, entitiesQuery } from '../shell/queries';
import { flowQuery, nodeTypesQuery } from './flow-api';

export const loadFlowEditorPage = () => import('./FlowEditorPage');
export const loadFlowEditor = () => import('./FlowEditor');

/** Downloads (and evaluates) the editor's chunks; repeated calls reuse the same module. */
export function preloadFlowEditorChunks(): void {
  void loadFlowEditorPage().catch(() => undefined);
  void loadFlowEditor().catch(() => undefined);
}

/** The chunks and the data of the editor for one flow ('new': no flow to ask for). */
export function prefetchFlowEditor(queryClient: QueryClient, flowId: string): void {
  preloadFlowEditorChunks();
  if (!currentSession()) return;
  if (flowId !== 'new') void queryClient.prefetchQuery(flowQuery(flowId));
  void queryClient.prefetchQuery(nodeTypesQuery);
  void queryClient
    .fetchQuery(entitiesQuery)
    .then((entities) => queryClient.prefetchQuery(allAccountsQuery(entities)))
    .catch(() => undefined);
}

/** The flow id of an editor address (/flows/:flowId), or null. */
export function editorFlowIdOf(pathname: string): string | null {
  const match = /^\/flows\/([^/?#]+)\/?$/.exec(pathname);
  return match ? decodeURIComponent(match[1]!) : null;
}

/** After sign-in, once the browser has nothing else to do: fetch the editor's chunks so opening a flow does not wait for them. */
export function preloadFlowEditorWhenIdle(): () => void {
  const idle = (window as { requestIdleCallback?: (callback: () => void, options?: { timeout: number }) => number }).requestIdleCallback;
  if (idle) {
    const handle = idle(preloadFlowEditorChunks, { timeout: 5000 });
    return () => (window as { cancelIdleCallback?: (handle: number) => void }).cancelIdleCallback?.(handle);
  }
  const timer = window.setTimeout(preloadFlowEditorChunks, 2000);
  return () => window.clearTimeout(timer);
}
