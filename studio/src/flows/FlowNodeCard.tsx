/**
 * One node on the canvas: its type, what it is set to (accounts with their entity), typed handles
 * (start signals square, money round) with labels, its problems, and the overlay's result.
 */
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { entityKindLabel } from '../shell/EntityBadge';
import { formatMoney } from '../shell/money';
import { useEditorContext } from './editor-context';
import type { HandleSpec } from './flow-api';
import { inputsOf, outputsOf } from './handles';

const categoryNames: Record<string, string> = { trigger: 'Trigger', source: 'Source', logic: 'Logic', action: 'Action', annotation: 'Note' };

function amountText(value: string | undefined, currency: string): string | undefined {
  if (value === undefined) return undefined;
  if (value === 'fired') return 'fired';
  try {
    return formatMoney(value, currency);
  } catch {
    return value;
  }
}

function summaryOf(type: string, data: Record<string, unknown>): string | undefined {
  switch (type) {
    case 'trigger.schedule':
      return `${String(data.cron ?? '')} · ${String(data.timezone ?? '')}`;
    case 'trigger.event':
      return String(data.event ?? '');
    case 'source.fixed':
      return data.amount ? `Amount ${String(data.amount)}` : undefined;
    case 'source.balance':
      return data.keep ? `Keep ${String(data.keep)}` : undefined;
    case 'cap':
      return data.max ? `At most ${String(data.max)}` : undefined;
    case 'pay_bill':
      return data.payee ? `Payee: ${String(data.payee)}` : undefined;
    case 'alert':
      return data.message ? String(data.message) : undefined;
    case 'note':
      return String(data.text ?? '');
    case 'condition':
      return data.label ? String(data.label) : 'json-logic rule';
    case 'transfer':
      return data.kind ? String(data.kind).replaceAll('_', ' ') : (data.memo as string | undefined);
    default:
      return undefined;
  }
}

function HandleRow({ spec, side, value, currency }: { spec: HandleSpec; side: 'in' | 'out'; value?: string; currency: string }) {
  const amount = amountText(value, currency);
  return (
    <div className={`sluice-handle-row sluice-handle-row-${side}`}>
      <Handle
        type={side === 'in' ? 'target' : 'source'}
        position={side === 'in' ? Position.Left : Position.Right}
        id={spec.id}
        className={`sluice-handle sluice-handle-${spec.kind}`}
        title={`${side === 'in' ? 'Input' : 'Output'} ${spec.label} (${spec.kind === 'control' ? 'start signal' : 'money'})`}
        data-handle-kind={spec.kind}
      />
      <span className="sluice-handle-label">
        {spec.label}
        {amount && side === 'out' && <span className="sluice-handle-amount"> {amount}</span>}
      </span>
    </div>
  );
}

function FlowNodeCardView({ id, type, data, selected }: NodeProps) {
  const { catalogue, accountsById, problemsByNode, overlay, currency } = useEditorContext();
  const info = catalogue.get(type);
  const settings = data as Record<string, unknown>;
  const inputs = inputsOf(type, catalogue);
  const outputs = outputsOf(type, settings, catalogue);
  const problems = problemsByNode.get(id) ?? [];
  const trace = overlay?.trace.get(id);
  const accounts = (info?.accountFields ?? []).flatMap((field) => {
    const account = typeof settings[field.field] === 'string' ? accountsById.get(settings[field.field] as string) : undefined;
    return account ? [{ field, account }] : [];
  });
  const summary = summaryOf(type, settings);
  const classes = ['sluice-node', `sluice-node-${info?.category ?? 'unknown'}`, problems.length > 0 ? 'sluice-node-invalid' : '', selected ? 'sluice-node-selected' : '', trace ? `sluice-node-trace-${trace.status}` : ''];
  return (
    <div className={classes.join(' ')} data-testid={`node-${id}`}>
      <div className="sluice-node-header">
        <span className="sluice-node-category">{categoryNames[info?.category ?? ''] ?? 'Node'}</span>
        <span className="sluice-node-title">{info?.label ?? type}</span>
        {problems.length > 0 && (
          <span className="sluice-node-problem-count" title={problems.map((problem) => problem.message).join('\n')}>
            {problems.length} {problems.length === 1 ? 'problem' : 'problems'}
          </span>
        )}
      </div>
      <div className="sluice-node-body">
        <div className="sluice-node-id">{id}</div>
        {accounts.map(({ field, account }) => (
          <div key={field.field} className={`sluice-node-account sluice-entity-${account.entity.kind}`}>
            <span className="sluice-entity-chip">{entityKindLabel[account.entity.kind]}</span> {field.label}: {account.name}
          </div>
        ))}
        {summary && <div className="sluice-node-summary">{summary}</div>}
        {problems.length > 0 && <div className="sluice-node-problem">{problems[0]!.message}</div>}
        {trace && (
          <div className="sluice-node-trace" data-testid={`trace-${id}`}>
            <strong>{trace.status === 'ran' ? 'Ran' : trace.status === 'skipped' ? 'Skipped' : 'Error'}</strong>
            {trace.decision ? `: ${trace.decision}` : ''}
            {trace.warnings.map((warning) => (
              <div key={warning} className="sluice-node-warning">
                ⚠ {warning}
              </div>
            ))}
          </div>
        )}
      </div>
      {/* One grid, inputs in its left column and outputs in its right (fewer elements per node: 200 of them open at once). */}
      <div className="sluice-node-handles">
        {inputs.map((spec) => (
          <HandleRow key={`in-${spec.id}`} spec={spec} side="in" currency={currency} value={trace?.inputs[spec.id]} />
        ))}
        {outputs.map((spec) => (
          <HandleRow key={`out-${spec.id}`} spec={spec} side="out" currency={currency} value={trace?.outputs[spec.id]} />
        ))}
      </div>
    </div>
  );
}

export const FlowNodeCard = memo(FlowNodeCardView);
