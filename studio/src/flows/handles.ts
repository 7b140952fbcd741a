/**
 * The handles of a node, from the catalogue (GET /node-types). Allocate's outputs depend on its
 * settings (one per output), exactly as the engine computes them, so the editor mirrors that here.
 */
import type { HandleSpec, NodeTypeInfo } from './flow-api';

export type Catalogue = ReadonlyMap<string, NodeTypeInfo>;

export function catalogueOf(types: readonly NodeTypeInfo[]): Catalogue {
  return new Map(types.map((info) => [info.type, info]));
}

interface AllocateOutput {
  mode?: string;
  value?: string;
  label?: string;
}

function describeAllocateOutput(output: AllocateOutput): string {
  if (output.label) return output.label;
  if (output.mode === 'remainder') return 'Remainder';
  return output.mode === 'percent' ? `${output.value ?? '?'}%` : `${output.value ?? '?'}`;
}

export function inputsOf(type: string, catalogue: Catalogue): HandleSpec[] {
  return catalogue.get(type)?.inputs ?? [];
}

export function outputsOf(type: string, data: Record<string, unknown>, catalogue: Catalogue): HandleSpec[] {
  if (type === 'allocate') {
    const outputs = Array.isArray(data.outputs) ? (data.outputs as AllocateOutput[]) : [];
    return outputs.map((output, index) => ({ id: `out-${index}`, kind: 'money', label: describeAllocateOutput(output ?? {}) }));
  }
  return catalogue.get(type)?.outputs ?? [];
}

/** Settings a fresh node starts with: what its schema requires, filled with harmless defaults. */
export function defaultData(type: string): Record<string, unknown> {
  switch (type) {
    case 'trigger.schedule':
      return { cron: '0 9 1 * *', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' };
    case 'trigger.event':
      return { event: 'transaction.posted' };
    case 'source.fixed':
      return { amount: '100.00' };
    case 'condition':
      return { logic: { '>=': [{ var: 'amount' }, 1000] } };
    case 'allocate':
      return { outputs: [{ mode: 'percent', value: '50' }, { mode: 'remainder' }] };
    case 'cap':
      return { max: '500.00' };
    case 'alert':
      return { message: '{amount} arrived', level: 'info' };
    case 'note':
      return { text: '' };
    default:
      return {};
  }
}
