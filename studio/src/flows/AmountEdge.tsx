/** An edge: money solid, start signals dashed; a preview or run puts the amount it carried on it. */
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import { formatMoney } from '../shell/money';
import { useEditorContext } from './editor-context';

function AmountEdgeView({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, sourceHandleId, selected, markerEnd }: EdgeProps) {
  const { overlay, currency } = useEditorContext();
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const control = sourceHandleId === 'start';
  const amount = overlay?.edgeAmounts.get(id);
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        className={control ? 'sluice-edge-control' : 'sluice-edge-money'}
        style={{ stroke: selected ? 'var(--mantine-color-blue-7)' : control ? 'var(--mantine-color-gray-7)' : 'var(--mantine-color-green-8)', strokeWidth: selected ? 3 : 2, strokeDasharray: control ? '6 4' : undefined }}
      />
      {amount !== undefined && (
        <EdgeLabelRenderer>
          <div className="sluice-edge-amount nodrag nopan" data-testid={`edge-amount-${id}`} style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}>
            {formatMoney(amount, currency)}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const AmountEdge = memo(AmountEdgeView);
