import type { NodeType } from './node-type.js';
import { alertNode, approvalNode, assignEnvelopeNode, investNode, noteNode, payBillNode, transferNode } from './nodes/actions.js';
import { allocateNode, capNode, conditionNode } from './nodes/logic.js';
import { balanceSource, fixedSource, transactionSource } from './nodes/sources.js';
import { eventTrigger, manualTrigger, scheduleTrigger } from './nodes/triggers.js';

/** The one registry of node types. */
export const nodeTypes: ReadonlyMap<string, NodeType> = new Map(
  [
    manualTrigger,
    scheduleTrigger,
    eventTrigger,
    balanceSource,
    transactionSource,
    fixedSource,
    conditionNode,
    allocateNode,
    capNode,
    transferNode,
    payBillNode,
    investNode,
    assignEnvelopeNode,
    alertNode,
    approvalNode,
    noteNode,
  ].map((nodeType) => [nodeType.type, nodeType as NodeType]),
);

/** A serialisable description of every node type, for the studio palette and forms. */
export function nodeTypeCatalogue() {
  return [...nodeTypes.values()].map((nodeType) => ({
    type: nodeType.type,
    category: nodeType.category,
    label: nodeType.label,
    description: nodeType.description,
    schema: nodeType.schema,
    accountFields: nodeType.accountFields ?? [],
    // Handles of a node with default data; allocate's outputs depend on its settings.
    inputs: nodeType.inputs({} as never),
    outputs: nodeType.type === 'allocate' ? [] : nodeType.outputs({} as never),
  }));
}
