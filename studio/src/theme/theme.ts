import { createTheme, Modal, Notification, type CSSVariablesResolver } from '@mantine/core';

/**
 * Entity kinds have fixed colours everywhere (header, badges, account pickers, flow nodes) so an
 * LLC is never mistaken for personal money: LLC = indigo, personal = teal.
 */
export const entityColors = { llc: 'indigo', personal: 'teal' } as const;

/**
 * WCAG 2.1 AA: filled colours use shade 9 (teal 6 on white is 2.6:1, teal 9 is 5:1) and text on
 * light fills picks black or white by luminance.
 */
export const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: { light: 9, dark: 8 },
  autoContrast: true,
  defaultRadius: 'md',
  fontFamily: 'Inter, system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
  components: {
    // Mantine's close button is an icon only: give it a name screen readers can say.
    // Its description under a title is gray 6 (3.3:1): gray 8 keeps it readable.
    Notification: Notification.extend({
      defaultProps: { closeButtonProps: { 'aria-label': 'Close notification' } },
      styles: { description: { color: 'var(--mantine-color-gray-8)' } },
    }),
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close dialog' } } }),
  },
});

/** Mantine's "dimmed" text is gray 6 (3.3:1 on white); gray 7 keeps secondary text readable (8:1). Same for error text. */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-placeholder': 'var(--mantine-color-gray-7)',
    // Field errors are red 6 by default (3.3:1 on white); red 9 is 5.5:1.
    '--mantine-color-error': 'var(--mantine-color-red-9)',
  },
  dark: {},
});
