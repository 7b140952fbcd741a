/** Name, description, currency, per-run limit, and — for scheduled or event flows — on/off and the next occurrences. */
import { Alert, Group, Stack, Switch, Text, Textarea, TextInput } from '@mantine/core';
import { notify } from './notify';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ApiProblem } from '../api/client';
import { fieldProblem } from './field-rules';
import { flowKeys, useSchedule, type FlowSettings } from './flow-api';

export function FlowSettingsPanel({
  name,
  description,
  settings,
  onName,
  onDescription,
  onSettings,
  flowId,
  enabled,
  triggerType,
  dirty,
}: {
  name: string;
  description: string;
  settings: FlowSettings;
  onName(name: string): void;
  onDescription(description: string): void;
  onSettings(settings: FlowSettings): void;
  flowId: string | null;
  enabled: boolean;
  triggerType: string | null;
  dirty: boolean;
}) {
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const scheduled = triggerType === 'trigger.schedule';
  const automatic = scheduled || triggerType === 'trigger.event';
  const schedule = useSchedule(flowId, scheduled);
  const toggle = async (on: boolean) => {
    if (!flowId) return;
    setBusy(true);
    try {
      await api(`/flows/${flowId}/${on ? 'enable' : 'disable'}`, { method: 'POST' });
      notify({ color: 'green', message: on ? 'Flow enabled' : 'Flow disabled: pending occurrences cancelled' });
      await queryClient.invalidateQueries({ queryKey: flowKeys.flow(flowId) });
      await queryClient.invalidateQueries({ queryKey: flowKeys.flows });
    } catch (error) {
      notify({ color: 'red', title: on ? 'Could not enable the flow' : 'Could not disable the flow', message: error instanceof ApiProblem ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap="sm">
      <TextInput label="Name" value={name} onChange={(event) => onName(event.currentTarget.value)} withAsterisk error={name.trim() === '' ? 'Required' : undefined} maxLength={120} />
      <Textarea label="Description" value={description} onChange={(event) => onDescription(event.currentTarget.value)} autosize minRows={2} maxLength={1000} />
      <TextInput label="Currency" description="ISO code, e.g. USD" value={settings.currency} maxLength={3} onChange={(event) => onSettings({ ...settings, currency: event.currentTarget.value.toUpperCase() })} error={/^[A-Z]{3}$/.test(settings.currency) ? undefined : 'Three capital letters, e.g. USD'} />
      <TextInput
        label="Most money one run may move"
        description="Optional safety limit, e.g. 10000.00"
        value={settings.maxPerRun ?? ''}
        onChange={(event) => {
          const { maxPerRun: _old, ...rest } = settings;
          onSettings(event.currentTarget.value === '' ? rest : { ...rest, maxPerRun: event.currentTarget.value });
        }}
        error={fieldProblem(settings.maxPerRun, { type: 'string', pattern: '^(0|[1-9][0-9]{0,17})(\\.[0-9]{1,3})?$' }, 'money', false)}
        inputMode="decimal"
      />
      {automatic && (
        <Stack gap={6}>
          <Text fw={600} size="sm">
            {scheduled ? 'Schedule' : 'Event trigger'}
          </Text>
          {!flowId || dirty ? <Alert color="blue" styles={{ message: { color: "#212529" } }}>Save the flow to turn it on.</Alert> : null}
          <Switch label={enabled ? 'Enabled: runs on its own' : 'Disabled'} checked={enabled} disabled={!flowId || busy} onChange={(event) => void toggle(event.currentTarget.checked)} />
          {scheduled && flowId && (
            <div>
              <Text size="sm">Next occurrences{schedule.data?.timezone ? ` (${schedule.data.timezone})` : ''}</Text>
              {(schedule.data?.occurrences ?? []).length === 0 ? (
                <Text size="xs" c="gray.7">
                  None (fix the schedule’s problems first)
                </Text>
              ) : (
                <ul style={{ margin: 0, paddingLeft: 18 }}>
                  {schedule.data!.occurrences.map((occurrence) => (
                    <li key={occurrence}>
                      <Text size="xs">{new Date(occurrence).toLocaleString(undefined, { timeZone: schedule.data?.timezone ?? undefined, dateStyle: 'medium', timeStyle: 'short' })}</Text>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </Stack>
      )}
      <Group />
    </Stack>
  );
}
