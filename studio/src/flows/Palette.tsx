/**
 * The node palette: drag an item onto the canvas (HTML5 drag and drop), or focus it and press
 * Enter to add it in the middle of the view.
 */
import { memo, type DragEvent } from 'react';
import type { NodeTypeInfo } from './flow-api';

export const paletteMimeType = 'application/x-sluice-node-type';

const groups: { category: NodeTypeInfo['category']; title: string }[] = [
  { category: 'trigger', title: 'Triggers' },
  { category: 'source', title: 'Sources' },
  { category: 'logic', title: 'Logic' },
  { category: 'action', title: 'Actions' },
  { category: 'annotation', title: 'Notes' },
];

function PaletteView({ nodeTypes, onAdd }: { nodeTypes: readonly NodeTypeInfo[]; onAdd(type: string): void }) {
  const onDragStart = (event: DragEvent, type: string) => {
    event.dataTransfer.setData(paletteMimeType, type);
    event.dataTransfer.setData('text/plain', type);
    event.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <nav aria-label="Node palette">
      <p className="sluice-palette-item-description" style={{ margin: '0 0 4px' }} id="palette-help">
        Drag a node onto the canvas, or press Enter to add it.
      </p>
      {groups.map((group) => {
        const items = nodeTypes.filter((info) => info.category === group.category);
        if (items.length === 0) return null;
        return (
          <section key={group.category} aria-labelledby={`palette-${group.category}`}>
            <h2 className="sluice-palette-group" id={`palette-${group.category}`}>
              {group.title}
            </h2>
            <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
              {items.map((info) => (
                <li key={info.type}>
                  <button
                    type="button"
                    className="sluice-palette-item"
                    draggable
                    data-node-type={info.type}
                    aria-describedby="palette-help"
                    onDragStart={(event) => onDragStart(event, info.type)}
                    onClick={() => onAdd(info.type)}
                  >
                    <div className="sluice-palette-item-label">{info.label}</div>
                    <div className="sluice-palette-item-description">{info.description}</div>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </nav>
  );
}

/** Memoised: the editor re-renders on every node move, the palette only when the catalogue changes. */
export const Palette = memo(PaletteView);
