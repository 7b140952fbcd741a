/**
 * Money flow of one month as a two-stage Sankey: where the money came from (income accounts,
 * owner draws and other inflows to To be assigned, refunds) → the month's budget → where it went
 * (categories' spending, outflows such as draws or loan principal, and what was left over).
 * Card payment categories are not a destination: the card's charges already show in the
 * categories they were spent in. Links carry exact minor units; the diagram balances.
 */
export interface SankeyLine {
  id: string;
  name: string;
  /** Signed effect on the budget: inflows to To be assigned > 0; for categories, activity (spending < 0). */
  amountMinor: bigint;
  kind: 'income' | 'category';
}

export interface SankeyNode {
  id: string;
  name: string;
  kind: 'source' | 'budget' | 'category' | 'outflow' | 'left_over' | 'from_earlier';
}

export interface SankeyLink {
  source: string;
  target: string;
  amountMinor: bigint;
}

export const budgetNodeId = 'budget';

export function sankeyOf(lines: readonly SankeyLine[], budgetName: string): { nodes: SankeyNode[]; links: SankeyLink[]; inflowMinor: bigint; outflowMinor: bigint } {
  const nodes: SankeyNode[] = [];
  const links: SankeyLink[] = [];
  let inflow = 0n;
  let outflow = 0n;
  const incoming = lines.filter((line) => line.amountMinor > 0n).sort(byAmount);
  const outgoing = lines.filter((line) => line.amountMinor < 0n).sort(byAmount);
  for (const line of incoming) {
    nodes.push({ id: line.id, name: line.kind === 'category' ? `${line.name} (refunds)` : line.name, kind: 'source' });
    links.push({ source: line.id, target: budgetNodeId, amountMinor: line.amountMinor });
    inflow += line.amountMinor;
  }
  nodes.push({ id: budgetNodeId, name: budgetName, kind: 'budget' });
  for (const line of outgoing) {
    nodes.push({ id: line.id, name: line.name, kind: line.kind === 'category' ? 'category' : 'outflow' });
    links.push({ source: budgetNodeId, target: line.id, amountMinor: -line.amountMinor });
    outflow -= line.amountMinor;
  }
  if (inflow > outflow) {
    nodes.push({ id: 'left_over', name: 'Left over', kind: 'left_over' });
    links.push({ source: budgetNodeId, target: 'left_over', amountMinor: inflow - outflow });
  } else if (outflow > inflow) {
    nodes.splice(0, 0, { id: 'from_earlier', name: 'From earlier months', kind: 'from_earlier' });
    links.splice(0, 0, { source: 'from_earlier', target: budgetNodeId, amountMinor: outflow - inflow });
  }
  return { nodes, links, inflowMinor: inflow, outflowMinor: outflow };
}

/** Largest first; equal amounts by name, so the diagram is stable. */
function byAmount(a: SankeyLine, b: SankeyLine): number {
  const left = a.amountMinor < 0n ? -a.amountMinor : a.amountMinor;
  const right = b.amountMinor < 0n ? -b.amountMinor : b.amountMinor;
  return left === right ? a.name.localeCompare(b.name) : left > right ? -1 : 1;
}
