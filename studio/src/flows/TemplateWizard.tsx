/**
 * Instantiating a template: map each of its account roles to one of your accounts (pickers offer
 * only accounts of the role's entity kind and type, pre-filled from the standard charts), name
 * the flow, and create it (POST /templates/:id/instantiate).
 */
import { Alert, Button, Group, Modal, Stack, Stepper, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, ApiProblem } from '../api/client';
import { EntityBadge } from '../shell/EntityBadge';
import { AccountPicker, filterAccounts, type AccountOption } from './AccountPicker';
import { flowKeys, type FlowTemplate, type FlowView } from './flow-api';

export function TemplateWizard({ template, accounts, onClose }: { template: FlowTemplate; accounts: readonly AccountOption[]; onClose(): void }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [step, setStep] = useState(0);
  const [roles, setRoles] = useState<Record<string, string>>(() => ({ ...template.suggestedMapping }));
  const [name, setName] = useState(template.name);
  const [serverError, setServerError] = useState<ApiProblem | null>(null);
  const [creating, setCreating] = useState(false);
  const missing = template.roles.filter((role) => !roles[role.role]);
  const kindsPresent = new Set(accounts.map((account) => account.entity.kind));
  const absentKinds = [...new Set(template.roles.map((role) => role.entityKind))].filter((kind) => !kindsPresent.has(kind));

  const create = async () => {
    setCreating(true);
    setServerError(null);
    try {
      const flow = await api<FlowView>(`/templates/${template.id}/instantiate`, { method: 'POST', body: { name: name.trim() || template.name, roles } });
      void queryClient.invalidateQueries({ queryKey: flowKeys.flows });
      queryClient.setQueryData(flowKeys.flow(flow.id), flow);
      onClose();
      navigate(`/flows/${flow.id}`);
    } catch (error) {
      setServerError(error instanceof ApiProblem ? error : new ApiProblem(0, 'error', 'Error', String(error)));
      setStep(0);
    } finally {
      setCreating(false);
    }
  };

  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened onClose={onClose} title={`Use template: ${template.name}`} size="lg">
      <Stepper active={step} onStepClick={(next) => next < step && setStep(next)} size="sm">
        <Stepper.Step label="Accounts" description="Map the roles">
          <Stack gap="sm" mt="sm">
            <Text size="sm">{template.description}</Text>
            {absentKinds.length > 0 && (
              <Alert color="yellow" title="An entity is missing" styles={{ message: { color: '#5c3c00' }, title: { color: '#5c3c00' } }}>
                This template needs {absentKinds.map((kind) => (kind === 'llc' ? 'an LLC' : 'a personal entity')).join(' and ')}. Create it under Accounts & Entities first.
              </Alert>
            )}
            {serverError && (
              <Alert color="red" title="The mapping was refused" styles={{ message: { color: '#a61e1e' }, title: { color: '#a61e1e' } }}>
                {serverError.errors.length > 0 ? serverError.errors.map((error) => <div key={error.field}>{error.message}</div>) : serverError.message}
              </Alert>
            )}
            {template.roles.map((role) => (
              <Stack key={role.role} gap={2}>
                <Group gap={6}>
                  <EntityBadge kind={role.entityKind} size="sm" />
                  <Text size="xs" c="gray.7">
                    {role.types.join(' or ')} account
                  </Text>
                </Group>
                <AccountPicker
                  id={`role-${role.role}`}
                  label={role.label}
                  value={roles[role.role]}
                  onChange={(accountId) => setRoles((current) => (accountId ? { ...current, [role.role]: accountId } : Object.fromEntries(Object.entries(current).filter(([key]) => key !== role.role))))}
                  accounts={accounts}
                  filter={{ entityKinds: [role.entityKind], types: role.types }}
                  required
                  error={serverError?.fieldError(`/roles/${role.role}`) ?? (filterAccounts(accounts, { entityKinds: [role.entityKind], types: role.types }).length === 0 ? 'No account of this kind yet' : undefined)}
                />
              </Stack>
            ))}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button onClick={() => setStep(1)} disabled={missing.length > 0}>
                Next
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Name" description="Review and create">
          <Stack gap="sm" mt="sm">
            <TextInput label="Flow name" value={name} onChange={(event) => setName(event.currentTarget.value)} maxLength={120} withAsterisk />
            <ul style={{ margin: 0, paddingLeft: 18 }}>
              {template.roles.map((role) => {
                const account = accounts.find((candidate) => candidate.id === roles[role.role]);
                return (
                  <li key={role.role}>
                    <Text size="sm">
                      {role.label}: <strong>{account ? `${account.name} (${account.entity.name})` : '—'}</strong>
                    </Text>
                  </li>
                );
              })}
            </ul>
            <Group justify="space-between">
              <Button variant="default" onClick={() => setStep(0)}>
                Back
              </Button>
              <Button onClick={() => void create()} loading={creating} disabled={name.trim() === ''}>
                Create flow
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
      </Stepper>
    </Modal>
  );
}
