/** Toasts of the flow editor: a named close button and message text at AA contrast (Mantine's defaults are neither). */
import { notifications } from '@mantine/notifications';

export function notify(options: { color?: 'green' | 'red' | 'yellow' | 'blue'; title?: string; message: string }): void {
  notifications.show({
    color: options.color ?? 'blue',
    title: options.title,
    message: options.message,
    closeButtonProps: { 'aria-label': 'Dismiss notification' },
    styles: { description: { color: '#212529' }, title: { color: '#212529' } },
  });
}
