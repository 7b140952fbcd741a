import { Center, Loader } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router';
import { loadFlowEditorPage } from './flows/editor-preload';
import { AppLayout } from './shell/AppLayout';
import { preloadable } from './shell/preloadable';

/**
 * Every page of the studio, one folder each under pages/ (the flow editor lives in flows/).
 * Pages load lazily so the first paint does not wait for React Flow or the charts.
 */
const SignInPage = lazy(() => import('./pages/auth/SignInPage'));
const DashboardPage = lazy(() => import('./pages/dashboard/DashboardPage'));
const FlowsPage = lazy(() => import('./flows/FlowsPage'));
const BudgetPage = lazy(() => import('./pages/budget/BudgetPage'));
const TransactionsPage = lazy(() => import('./pages/transactions/TransactionsPage'));
const AccountsPage = lazy(() => import('./pages/accounts/AccountsPage'));
const AccountRegisterPage = lazy(() => import('./pages/accounts/AccountRegisterPage'));
const ReportsPage = lazy(() => import('./pages/reports/ReportsPage'));
const BankingPage = lazy(() => import('./pages/banking/BankingPage'));
const SettingsPage = lazy(() => import('./pages/settings/SettingsPage'));

function Loading() {
  return (
    <Center h="60vh">
      <Loader aria-label="Loading" />
    </Center>
  );
}

// Not React.lazy: the editor's chunk is usually preloaded (editor-preload), and a Suspense reveal would wait up to 300 ms more.
const FlowEditorPage = preloadable(loadFlowEditorPage, <Loading />);

export function AppRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/login" element={<SignInPage />} />
        <Route path="/register" element={<SignInPage />} />
        <Route element={<AppLayout />}>
          <Route index element={<DashboardPage />} />
          <Route path="flows" element={<FlowsPage />} />
          <Route path="flows/:flowId" element={<FlowEditorPage />} />
          <Route path="budget" element={<BudgetPage />} />
          <Route path="transactions" element={<TransactionsPage />} />
          <Route path="accounts" element={<AccountsPage />} />
          <Route path="accounts/:accountId" element={<AccountRegisterPage />} />
          <Route path="reports" element={<ReportsPage />} />
          <Route path="banking" element={<BankingPage />} />
          <Route path="settings" element={<SettingsPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
