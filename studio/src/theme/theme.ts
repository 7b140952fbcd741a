import { createTheme } from '@mantine/core';

/**
 * Entity kinds have fixed colours everywhere (header, badges, account pickers, flow nodes) so an
 * LLC is never mistaken for personal money: LLC = indigo, personal = teal.
 */
export const entityColors = { llc: 'indigo', personal: 'teal' } as const;

export const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'md',
  fontFamily: 'Inter, system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
});
