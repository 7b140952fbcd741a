/**
 * The side panel's settings form, generated from a node type's JSON Schema (GET /node-types):
 * strings, numbers, enums, booleans, arrays of objects (allocate's outputs), money as text with
 * decimal validation, json-logic as JSON text, and account fields as pickers grouped by entity.
 * Messages come from two places: the field's own rules while typing, and the server's problems
 * (POST /flows/validate) located by JSON pointer.
 */
import { ActionIcon, Button, Fieldset, Group, NumberInput, Select, Stack, Switch, Textarea, TextInput } from '@mantine/core';
import { IconArrowUp, IconPlus, IconTrash } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { AccountPicker, type AccountFilter, type AccountOption } from './AccountPicker';
import { enumLabel, fieldLabel, fieldProblem, parseJsonField, valueKind } from './field-rules';
import type { AccountField, JsonSchema, NodeTypeInfo } from './flow-api';

export interface SchemaFormProps {
  nodeType: NodeTypeInfo;
  data: Record<string, unknown>;
  onChange(data: Record<string, unknown>): void;
  accounts: readonly AccountOption[];
  /** Server problems of this node by pointer relative to its data ("/toAccountId", "/outputs/0/value"). */
  serverErrors?: Readonly<Record<string, string>>;
  idPrefix: string;
}

/** Which entity an account field must come from, given the rest of the node's settings. */
function accountFilterFor(nodeType: NodeTypeInfo, accountField: AccountField, data: Record<string, unknown>, accounts: readonly AccountOption[]): AccountFilter {
  const filter: AccountFilter = { types: accountField.types };
  // A bill is paid, and an investment made, inside one entity: offer the paying entity's accounts only.
  if ((nodeType.type === 'pay_bill' || nodeType.type === 'invest') && accountField.field === 'toAccountId' && typeof data.fromAccountId === 'string') {
    const from = accounts.find((account) => account.id === data.fromAccountId);
    if (from) filter.entityId = from.entityId;
  }
  return filter;
}

function withValue(data: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const next = { ...data };
  if (value === undefined || value === '') delete next[key];
  else next[key] = value;
  return next;
}

export function SchemaForm({ nodeType, data, onChange, accounts, serverErrors = {}, idPrefix }: SchemaFormProps) {
  const properties = Object.entries(nodeType.schema.properties ?? {});
  if (properties.length === 0) return null;
  return (
    <Stack gap="sm">
      {properties.map(([key, schema]) => (
        <SchemaField
          key={key}
          path={`/${key}`}
          fieldKey={key}
          schema={schema}
          required={(nodeType.schema.required ?? []).includes(key)}
          value={data[key]}
          siblings={data}
          onValue={(value) => onChange(withValue(data, key, value))}
          accountField={nodeType.accountFields.find((field) => field.field === key)}
          accountFilter={(field) => accountFilterFor(nodeType, field, data, accounts)}
          accounts={accounts}
          serverErrors={serverErrors}
          idPrefix={idPrefix}
        />
      ))}
    </Stack>
  );
}

interface FieldProps {
  path: string;
  fieldKey: string;
  schema: JsonSchema;
  required: boolean;
  value: unknown;
  siblings: Record<string, unknown>;
  onValue(value: unknown): void;
  accountField?: AccountField;
  accountFilter(field: AccountField): AccountFilter;
  accounts: readonly AccountOption[];
  serverErrors: Readonly<Record<string, string>>;
  idPrefix: string;
}

function SchemaField(props: FieldProps) {
  const { path, fieldKey, schema, required, value, siblings, onValue, accountField, accounts, serverErrors, idPrefix } = props;
  const id = `${idPrefix}${path.replaceAll('/', '-')}`;
  const serverError = serverErrors[path];
  if (accountField) {
    return (
      <AccountPicker
        id={id}
        label={accountField.label}
        value={typeof value === 'string' ? value : undefined}
        onChange={onValue}
        accounts={accounts}
        filter={props.accountFilter(accountField)}
        required={accountField.required}
        error={serverError}
        description={schema.description}
      />
    );
  }
  if (schema.enum) {
    return (
      <Select
        id={id}
        label={fieldLabel(fieldKey)}
        description={schema.description}
        data={schema.enum.map((option) => ({ value: option, label: enumLabel(option) }))}
        value={typeof value === 'string' ? value : null}
        onChange={(next) => onValue(next ?? undefined)}
        clearable={!required}
        withAsterisk={required}
        allowDeselect={!required}
        error={fieldProblem(value, schema, 'text', required) ?? serverError}
        comboboxProps={{ withinPortal: true }}
      />
    );
  }
  if (schema.type === 'boolean') {
    return <Switch id={id} label={fieldLabel(fieldKey)} description={schema.description} checked={value === true} onChange={(event) => onValue(event.currentTarget.checked)} error={serverError} />;
  }
  if (schema.type === 'number' || schema.type === 'integer') {
    return <NumberInput id={id} label={fieldLabel(fieldKey)} description={schema.description} value={typeof value === 'number' ? value : ''} onChange={(next) => onValue(typeof next === 'number' ? next : undefined)} withAsterisk={required} error={serverError} />;
  }
  if (schema.type === 'array' && schema.items?.type === 'object') return <ArrayField {...props} />;
  const kind = valueKind(fieldKey, schema, siblings);
  if (kind === 'json') return <JsonField id={id} label={fieldLabel(fieldKey)} description={schema.description} value={value} onValue={onValue} required={required} serverError={serverError} />;
  if (kind === 'none') return null;
  const text = typeof value === 'string' ? value : '';
  const error = fieldProblem(value, schema, kind, required) ?? serverError;
  const long = (schema.maxLength ?? 0) > 200 && kind === 'text';
  const common = {
    id,
    label: kind === 'percent' ? `${fieldLabel(fieldKey)} (%)` : fieldLabel(fieldKey),
    description: kind === 'money' || kind === 'signed-money' ? 'Amount as a decimal, e.g. 500.00' : kind === 'percent' ? 'Percentage of the input, e.g. 30 or 12.5' : schema.description,
    value: text,
    withAsterisk: required,
    error,
    onChange: (event: { currentTarget: { value: string } }) => onValue(event.currentTarget.value),
  };
  return long ? <Textarea {...common} autosize minRows={2} maxRows={6} /> : <TextInput {...common} inputMode={kind === 'text' ? undefined : 'decimal'} autoComplete="off" />;
}

/** json-logic rules and filters: JSON text, applied when it parses. */
function JsonField({ id, label, description, value, onValue, required, serverError }: { id: string; label: string; description?: string; value: unknown; onValue(value: unknown): void; required: boolean; serverError?: string }) {
  const serialised = value === undefined ? '' : JSON.stringify(value);
  const [text, setText] = useState(serialised);
  const [error, setError] = useState<string | undefined>();
  // Undo, or another node's settings, replace the value from outside.
  useEffect(() => {
    setText((current) => {
      const parsed = parseJsonField(current);
      return parsed.error === undefined && JSON.stringify(parsed.value) === serialised ? current : serialised;
    });
    setError(undefined);
  }, [serialised]);
  return (
    <Textarea
      id={id}
      label={label}
      description={description}
      value={text}
      autosize
      minRows={2}
      maxRows={8}
      withAsterisk={required}
      styles={{ input: { fontFamily: 'ui-monospace, monospace', fontSize: 12 } }}
      error={error ?? (required && text.trim() === '' ? 'Required' : serverError)}
      onChange={(event) => {
        const next = event.currentTarget.value;
        setText(next);
        const parsed = parseJsonField(next);
        setError(parsed.error);
        if (parsed.error === undefined) onValue(parsed.value);
      }}
    />
  );
}

function ArrayField({ path, fieldKey, schema, value, onValue, accounts, serverErrors, idPrefix, accountFilter }: FieldProps) {
  const items = Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
  const itemSchema = schema.items!;
  const max = schema.maxItems ?? 50;
  const itemLabel = fieldKey === 'outputs' ? 'Output' : 'Item';
  const setItem = (index: number, next: Record<string, unknown>) => onValue(items.map((item, position) => (position === index ? next : item)));
  const freshItem = () => (itemSchema.properties?.mode ? { mode: 'percent', value: '10' } : {});
  return (
    <Stack gap="xs">
      {serverErrors[path] && (
        <div role="alert" style={{ color: '#a61e1e', fontSize: 14 }}>
          {serverErrors[path]}
        </div>
      )}
      {items.map((item, index) => (
        <Fieldset key={index} legend={`${itemLabel} ${index + 1}`} p="xs">
          <Stack gap="xs">
            {Object.entries(itemSchema.properties ?? {}).map(([key, child]) => (
              <SchemaField
                key={key}
                path={`${path}/${index}/${key}`}
                fieldKey={key}
                schema={child}
                required={(itemSchema.required ?? []).includes(key) || (key === 'value' && item.mode !== undefined && item.mode !== 'remainder')}
                value={item[key]}
                siblings={item}
                onValue={(next) => {
                  let updated = withValue(item, key, next);
                  // A remainder takes no value; switching to it drops the old one.
                  if (key === 'mode' && next === 'remainder') updated = withValue(updated, 'value', undefined);
                  setItem(index, updated);
                }}
                accountFilter={accountFilter}
                accounts={accounts}
                serverErrors={serverErrors}
                idPrefix={idPrefix}
              />
            ))}
            <Group gap="xs" justify="flex-end">
              <ActionIcon variant="subtle" color="gray.8" disabled={index === 0} aria-label={`Move ${itemLabel.toLowerCase()} ${index + 1} up`} onClick={() => onValue(items.map((_, position) => items[position === index - 1 ? index : position === index ? index - 1 : position]))}>
                <IconArrowUp size={16} aria-hidden />
              </ActionIcon>
              <ActionIcon variant="subtle" color="red.8" disabled={items.length <= (schema.minItems ?? 0)} aria-label={`Remove ${itemLabel.toLowerCase()} ${index + 1}`} onClick={() => onValue(items.filter((_, position) => position !== index))}>
                <IconTrash size={16} aria-hidden />
              </ActionIcon>
            </Group>
          </Stack>
        </Fieldset>
      ))}
      <Button variant="light" size="xs" leftSection={<IconPlus size={14} aria-hidden />} disabled={items.length >= max} onClick={() => onValue([...items, freshItem()])}>
        Add {itemLabel.toLowerCase()}
      </Button>
    </Stack>
  );
}
