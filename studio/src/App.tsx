import { MantineProvider } from '@mantine/core';
import { ModalsProvider } from '@mantine/modals';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router';
import { ApiProblem } from './api/client';
import { editorFlowIdOf, prefetchFlowEditor } from './flows/editor-preload';
import { AppRoutes } from './routes';
import { cssVariablesResolver, theme } from './theme/theme';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // A 4xx will not get better by asking again.
      retry: (failures, error) => !(error instanceof ApiProblem && error.status < 500) && failures < 2,
    },
  },
});

// Opening the studio on a flow's address: ask for the editor's chunks and data now, in parallel,
// rather than after the lazy route has loaded.
const startFlowId = typeof window === 'undefined' ? null : editorFlowIdOf(window.location.pathname);
if (startFlowId) prefetchFlowEditor(queryClient, startFlowId);

export function App() {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="light">
      {/* Bottom right: never over the header's entity switcher. */}
      <Notifications position="bottom-right" />
      <QueryClientProvider client={queryClient}>
        <ModalsProvider>
          <BrowserRouter>
            <AppRoutes />
          </BrowserRouter>
        </ModalsProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
