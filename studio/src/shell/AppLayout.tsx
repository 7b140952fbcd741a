import { AppShell } from '@mantine/core';
import { Outlet } from 'react-router';

/** Header (entity switcher), navigation and the page. */
export function AppLayout() {
  return (
    <AppShell padding="md">
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
