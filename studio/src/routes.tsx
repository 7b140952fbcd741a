import { Center, Loader } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router';

/**
 * Every page of the studio, one folder each under pages/ (the flow editor lives in flows/).
 * Pages are loaded lazily so the first paint does not wait for React Flow or the charts.
 */
const Placeholder = lazy(() => import('./pages/placeholder/PlaceholderPage'));

function Loading() {
  return (
    <Center h="60vh">
      <Loader aria-label="Loading" />
    </Center>
  );
}

export function AppRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="*" element={<Placeholder />} />
      </Routes>
    </Suspense>
  );
}
