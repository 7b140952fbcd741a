/**
 * Run history: every run of the flow, newest first, with its plan and per-node trace; a committed
 * run can be reverted (reversal journals), a waiting one approved or rejected.
 */
import { Alert, Badge, Button, Group, Modal, Stack, Text, UnstyledButton } from '@mantine/core';
import { notify } from './notify';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ApiProblem } from '../api/client';
import { formatMoney } from '../shell/money';
import type { AccountOption } from './AccountPicker';
import { flowKeys, useRuns, type Plan, type RunStatus, type RunView } from './flow-api';
import { PlanSummary, TraceTable } from './PlanSummary';

// Dark shades: white label text at AA contrast or better.
const statusColor: Record<RunStatus, string> = { planned: '#495057', awaiting_approval: '#7a4a00', committed: '#1b5e20', failed: '#a61e1e', rejected: '#495057', reverted: '#5f3dc4', skipped: '#495057' };
const statusLabel: Record<RunStatus, string> = { planned: 'Planned', awaiting_approval: 'Awaiting approval', committed: 'Committed', failed: 'Failed', rejected: 'Rejected', reverted: 'Reverted', skipped: 'Skipped' };

export function RunStatusBadge({ status }: { status: RunStatus }) {
  return (
    <Badge color={statusColor[status]} variant="filled">
      {statusLabel[status]}
    </Badge>
  );
}

/**
 * A run or a revert posts journals: balances, registers, reports, budgets and the dashboard all
 * read the ledger, so everything cached is stale (inactive queries refetch when next shown).
 */
export function invalidateLedger(queryClient: ReturnType<typeof useQueryClient>, flowId: string) {
  void queryClient.invalidateQueries({ queryKey: flowKeys.runs(flowId) });
  void queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] !== flowKeys.nodeTypes[0] });
}

export function RunsPanel({
  flowId,
  accountsById,
  labelOf,
  selectedRunId,
  onSelectRun,
  onShowOnCanvas,
  onSelectNode,
}: {
  flowId: string;
  accountsById: ReadonlyMap<string, AccountOption>;
  labelOf(nodeId: string): string;
  selectedRunId: string | null;
  onSelectRun(runId: string | null): void;
  onShowOnCanvas(plan: Plan, source: string): void;
  onSelectNode(nodeId: string): void;
}) {
  const runs = useRuns(flowId);
  const queryClient = useQueryClient();
  const [confirmRevert, setConfirmRevert] = useState<RunView | null>(null);
  const [busy, setBusy] = useState(false);
  const [replanned, setReplanned] = useState<string | null>(null);
  const selected = runs.data?.find((run) => run.id === selectedRunId) ?? null;

  const act = async (run: RunView, action: 'revert' | 'approve' | 'reject') => {
    setBusy(true);
    try {
      const answer = await api<RunView | { run: RunView; changed: boolean }>(`/runs/${run.id}/${action}`, { method: 'POST' });
      if (action === 'approve' && 'changed' in answer && answer.changed) {
        setReplanned('Balances changed since the run was planned: the new plan is shown below. Approve again to commit it.');
      } else {
        setReplanned(null);
        notify({ color: 'green', message: action === 'revert' ? 'Run reverted: reversal journals posted' : action === 'approve' ? 'Run approved and committed' : 'Run rejected' });
      }
      invalidateLedger(queryClient, flowId);
    } catch (error) {
      notify({ color: 'red', title: `Could not ${action} the run`, message: error instanceof ApiProblem ? error.message : String(error) });
    } finally {
      setBusy(false);
      setConfirmRevert(null);
    }
  };

  if (runs.isLoading) return <Text size="sm">Loading runs…</Text>;
  if (runs.isError) return <Alert color="red" styles={{ message: { color: "#a61e1e" } }}>Could not load the runs: {String(runs.error)}</Alert>;
  const list = runs.data ?? [];
  return (
    <Stack gap="xs">
      {list.length === 0 && <Text size="sm">No runs yet. Press Run to run the saved flow once.</Text>}
      <ul aria-label="Runs" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
        {list.map((run) => (
          <li key={run.id}>
            <UnstyledButton
              onClick={() => onSelectRun(run.id === selectedRunId ? null : run.id)}
              aria-pressed={run.id === selectedRunId}
              style={{ display: 'block', width: '100%', padding: 6, borderRadius: 6, border: `1px solid ${run.id === selectedRunId ? 'var(--mantine-color-blue-6)' : 'var(--mantine-color-gray-3)'}`, marginBottom: 4 }}
            >
              <Group justify="space-between" gap={4} wrap="nowrap">
                <Text size="xs">{new Date(run.startedAt).toLocaleString()}</Text>
                <RunStatusBadge status={run.status} />
              </Group>
              <Text size="xs" c="gray.7">
                v{run.version}
                {run.plan ? ` · moved ${formatMoney(run.plan.moved, run.plan.currency)}` : ''}
                {run.error ? ` · ${run.error.message}` : ''}
              </Text>
            </UnstyledButton>
          </li>
        ))}
      </ul>
      {selected && (
        <Stack gap="xs" data-testid="run-details">
          <Group gap="xs">
            <RunStatusBadge status={selected.status} />
            <Text size="xs">Run {selected.id.slice(0, 8)}</Text>
          </Group>
          {replanned && selected.status === 'awaiting_approval' && <Alert color="yellow" styles={{ message: { color: "#5c3c00" } }}>{replanned}</Alert>}
          {selected.error && (
            <Alert color="red" title="The run failed; nothing was posted" styles={{ message: { color: '#a61e1e' }, title: { color: '#a61e1e' } }}>
              {selected.error.message}
              {(selected.error.reasons ?? []).map((reason) => (
                <div key={reason}>{reason}</div>
              ))}
            </Alert>
          )}
          <Group gap="xs">
            {selected.plan && (
              <Button size="xs" variant="light" onClick={() => onShowOnCanvas(selected.plan!, `Run ${selected.id.slice(0, 8)}`)}>
                Show on canvas
              </Button>
            )}
            {selected.status === 'committed' && (
              <Button size="xs" color="red" variant="outline" onClick={() => setConfirmRevert(selected)} disabled={busy}>
                Revert run
              </Button>
            )}
            {selected.status === 'awaiting_approval' && (
              <>
                <Button size="xs" color="green" onClick={() => void act(selected, 'approve')} loading={busy}>
                  Approve
                </Button>
                <Button size="xs" color="gray" variant="outline" onClick={() => void act(selected, 'reject')} disabled={busy}>
                  Reject
                </Button>
              </>
            )}
          </Group>
          {selected.revertedAt && <Text size="xs">Reverted {new Date(selected.revertedAt).toLocaleString()}</Text>}
          {selected.plan && (
            <>
              <PlanSummary plan={selected.plan} accountsById={accountsById} headingLevel={4} />
              <Text size="sm" fw={600}>
                Per-node trace
              </Text>
              <TraceTable trace={selected.plan.trace} labelOf={labelOf} onSelectNode={onSelectNode} />
            </>
          )}
        </Stack>
      )}
      <Modal closeButtonProps={{ "aria-label": "Close" }} opened={confirmRevert !== null} onClose={() => setConfirmRevert(null)} title="Revert this run?">
        <Stack>
          <Text size="sm">Reversal journals undo everything this run posted (inter-entity transfers are reversed as pairs). A run can be reverted once.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmRevert(null)}>
              Cancel
            </Button>
            <Button color="red" loading={busy} onClick={() => confirmRevert && void act(confirmRevert, 'revert')}>
              Revert
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
