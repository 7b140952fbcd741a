import { Anchor, AppShell, Box, Burger, Button, Group, NavLink, Text, VisuallyHidden } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { IconLogout } from '@tabler/icons-react';
import { useEffect, useRef } from 'react';
import { Navigate, NavLink as RouterNavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { preloadFlowEditorWhenIdle } from '../flows/editor-preload';
import { entityColors } from '../theme/theme';
import { EntityScopeProvider, forgetEntityChoice, useEntityScope } from './entity-scope';
import { EntitySwitcher } from './EntitySwitcher';
import { navigation } from './navigation';
import { signOut, useSession } from './session';

/** Signed-out visitors go to /login, which brings them back here afterwards. */
export function AppLayout() {
  const session = useSession();
  const location = useLocation();
  if (!session) return <Navigate to="/login" replace state={{ from: `${location.pathname}${location.search}` }} />;
  return (
    <EntityScopeProvider>
      <Shell />
    </EntityScopeProvider>
  );
}

function Shell() {
  const [opened, { toggle, close }] = useDisclosure(false);
  const { entity } = useEntityScope();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // Signed in: fetch the flow editor's chunks (React Flow) while the browser is idle.
  useEffect(() => preloadFlowEditorWhenIdle(), []);

  // After navigating, move focus to the page so keyboard and screen-reader users start at its top.
  useEffect(() => {
    close();
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.focus({ preventScroll: false });
  }, [location.pathname, close]);

  const onSignOut = async () => {
    await signOut().catch(() => undefined);
    forgetEntityChoice();
    queryClient.clear();
    navigate('/login', { replace: true });
  };

  const accent = entity ? `var(--mantine-color-${entityColors[entity.kind]}-7)` : 'var(--mantine-color-gray-4)';
  return (
    <AppShell header={{ height: 64 }} navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
      <Anchor href="#main" className="sluice-skip-link">
        Skip to content
      </Anchor>
      <AppShell.Header style={{ borderTop: `4px solid ${accent}` }}>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? 'Close navigation' : 'Open navigation'} />
            <Text fw={700} size="lg" component="span">
              Sluice
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" c="dimmed" visibleFrom="md" component="span">
              Working in
            </Text>
            <EntitySwitcher />
            <Button variant="default" leftSection={<IconLogout size={16} aria-hidden />} onClick={onSignOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation" component="nav">
        {navigation.map((item) => (
          <NavLink
            key={item.to}
            component={RouterNavLink}
            to={item.to}
            end={'end' in item ? item.end : false}
            label={item.label}
            leftSection={<item.icon size={18} aria-hidden />}
            active={'end' in item && item.end ? location.pathname === '/' : location.pathname.startsWith(item.to)}
            // Filled: white on blue 9 (6:1); the light variant's text is under 4.5:1 on its tint.
            variant="filled"
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main id="main" ref={main} tabIndex={-1} style={{ outline: 'none' }}>
        <VisuallyHidden aria-live="polite">{entity ? `Working in ${entity.kind === 'llc' ? 'LLC' : 'personal'} entity ${entity.name}` : ''}</VisuallyHidden>
        {/* Reading pages keep a comfortable line length; the flow canvas takes every pixel it gets. */}
        <Box maw={location.pathname.startsWith('/flows/') ? undefined : 1280}>
          <Outlet />
        </Box>
      </AppShell.Main>
    </AppShell>
  );
}
