import { TextInput } from '@mantine/core';
import { useEffect, useState, type KeyboardEvent } from 'react';
import { ApiProblem } from '../../api/client';
import { parseAssigned } from './amount-input';

export type CellMove = 'up' | 'down';

/**
 * An assigned amount, editable in place. Enter saves, Escape puts the saved amount back, arrow
 * up/down save and move to the cell above or below, Tab (leaving the cell) saves and moves on.
 * A malformed amount is refused here with a message and nothing is sent; a refusal by the API
 * shows its message on the cell.
 */
export function AssignedCell({
  label,
  value,
  exponent,
  onSave,
  onMove,
  inputRef,
}: {
  /** Accessible name, e.g. "Assigned to Groceries in April 2026". */
  label: string;
  value: string;
  exponent: number;
  onSave(assigned: string): Promise<unknown>;
  onMove(direction: CellMove): void;
  inputRef(element: HTMLInputElement | null): void;
}) {
  const [text, setText] = useState(value);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  // A new answer from the API (this cell saved, or another action changed it) replaces the text.
  useEffect(() => {
    setText(value);
    setError(null);
  }, [value]);

  async function commit(): Promise<boolean> {
    const parsed = parseAssigned(text, exponent);
    if ('error' in parsed) {
      setError(parsed.error);
      return false;
    }
    if (parsed.value === value) {
      setText(value);
      setError(null);
      return true;
    }
    setSaving(true);
    try {
      await onSave(parsed.value);
      setError(null);
      return true;
    } catch (caught) {
      setError(caught instanceof ApiProblem ? (caught.fieldError('/assigned') ?? caught.detail ?? caught.message) : 'Could not save; try again');
      return false;
    } finally {
      setSaving(false);
    }
  }

  async function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter') {
      event.preventDefault();
      await commit();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setText(value);
      setError(null);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (await commit()) onMove(event.key === 'ArrowDown' ? 'down' : 'up');
    }
  }

  return (
    <TextInput
      ref={inputRef}
      size="xs"
      value={text}
      onChange={(event) => {
        setText(event.currentTarget.value);
        if (error) setError(null);
      }}
      onFocus={(event) => event.currentTarget.select()}
      onBlur={() => void commit()}
      onKeyDown={(event) => void onKeyDown(event)}
      aria-label={label}
      aria-busy={saving || undefined}
      inputMode="decimal"
      autoComplete="off"
      styles={{ input: { textAlign: 'right', fontVariantNumeric: 'tabular-nums', fontFamily: 'var(--mantine-font-family-monospace)' } }}
      // Mantine ties the message to the input (aria-describedby, aria-invalid); role=alert announces it.
      error={error}
      errorProps={{ role: 'alert' }}
    />
  );
}
