import { Alert, Badge, Button, Checkbox, FileInput, Group, NativeSelect, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { ApiProblem } from '../../api/client';
import { MoneyText } from '../../shell/MoneyText';
import { ledgerQueryPrefixes, useAllAccounts } from '../../shell/queries';
import { bankingApi, bankingKeys, type CsvMapping, type Preview, type Upload } from './banking-api';

const dateFormats: CsvMapping['dateFormat'][] = ['YYYY-MM-DD', 'MM/DD/YYYY', 'DD/MM/YYYY', 'DD.MM.YYYY', 'YYYYMMDD'];
const delimiters: { value: CsvMapping['delimiter']; label: string }[] = [
  { value: ',', label: 'Comma' },
  { value: ';', label: 'Semicolon' },
  { value: '\t', label: 'Tab' },
  { value: '|', label: 'Pipe' },
];
const statusColor = { new: 'green', duplicate: 'gray', invalid: 'red' } as const;

/** The file as text (UTF-8; the server also reads Windows-1252 when sent raw). */
function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ''));
    reader.onerror = () => reject(new Error(`The file ${file.name} could not be read.`));
    reader.readAsText(file);
  });
}

function messageOf(error: unknown): string {
  if (error instanceof ApiProblem) return [error.detail || error.title, ...error.errors.slice(0, 5).map((fieldError) => fieldError.message)].filter((text, index, all) => all.indexOf(text) === index).join(' — ');
  return error instanceof Error ? error.message : String(error);
}

/** Upload a statement, map a CSV's columns, preview new/duplicate/invalid rows, import, undo. */
export function FileImport() {
  const queryClient = useQueryClient();
  const accounts = useAllAccounts();
  const bankAccounts = useMemo(() => (accounts.data ?? []).filter((account) => (account.type === 'asset' || account.type === 'liability') && !account.archived), [accounts.data]);
  const [accountId, setAccountId] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [upload, setUpload] = useState<Upload | null>(null);
  const [mapping, setMapping] = useState<CsvMapping | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const batches = useQuery({ queryKey: bankingKeys.batches, queryFn: bankingApi.batches });

  const reset = () => {
    setUpload(null);
    setMapping(null);
    setPreview(null);
    setError(null);
  };
  const send = useMutation({
    mutationFn: async () => {
      if (!file || !accountId) throw new Error('Choose an account and a file.');
      return bankingApi.upload(accountId, file.name, await readText(file));
    },
    onSuccess: (answer) => {
      setUpload(answer);
      setMapping(answer.csv?.suggested ?? null);
      setPreview(null);
      setError(null);
      setDone(null);
      if (!answer.csv) showPreview.mutate({ fileId: answer.fileId, mapping: undefined });
    },
    onError: (failure) => setError(messageOf(failure)),
  });
  const showPreview = useMutation({
    mutationFn: ({ fileId, mapping }: { fileId: string; mapping: CsvMapping | undefined }) => bankingApi.preview(fileId, mapping),
    onSuccess: (answer) => {
      setPreview(answer);
      setError(null);
    },
    onError: (failure) => {
      setPreview(null);
      setError(messageOf(failure));
    },
  });
  const refreshBooks = async () => {
    await queryClient.invalidateQueries({ queryKey: bankingKeys.batches });
    for (const prefix of ledgerQueryPrefixes) await queryClient.invalidateQueries({ queryKey: prefix });
  };
  const commit = useMutation({
    mutationFn: () => bankingApi.commit(upload!.fileId, mapping ?? undefined, skipInvalid),
    onSuccess: async (batch) => {
      setDone(`Imported ${batch.counts.added} new transaction(s); ${batch.counts.duplicate} duplicate(s) skipped.`);
      reset();
      setFile(null);
      await refreshBooks();
    },
    onError: (failure) => setError(messageOf(failure)),
  });
  const undo = useMutation({
    mutationFn: bankingApi.undo,
    onSuccess: async () => {
      setDone('The import was undone (its journals are reversed).');
      await refreshBooks();
    },
    onError: (failure) => setError(messageOf(failure)),
  });

  const columns = upload?.csv ? upload.csv.headers.map((header, index) => ({ value: String(index), label: `${index + 1}: ${header}` })) : [];
  const optionalColumns = [{ value: '', label: '(none)' }, ...columns];
  const setColumn = (field: keyof CsvMapping, value: string) =>
    setMapping((current) => {
      if (!current) return current;
      const next = { ...current } as Record<string, unknown>;
      if (value === '') delete next[field];
      else next[field] = Number(value);
      return next as unknown as CsvMapping;
    });
  const amountMode = mapping && mapping.amountColumn === undefined && (mapping.debitColumn !== undefined || mapping.creditColumn !== undefined) ? 'split' : 'single';
  const accountLabel = (id: string) => {
    const account = accounts.data?.find((candidate) => candidate.id === id);
    return account ? `${account.entity.name}: ${account.name}` : 'an account';
  };

  return (
    <Stack component="section" aria-labelledby="file-import-heading">
      <Title order={2} id="file-import-heading">
        Import a statement file
      </Title>
      <Text size="sm" c="dimmed">
        CSV, OFX/QFX or QIF. Nothing is written until you confirm the preview; a re-imported file adds nothing.
      </Text>
      <Group align="flex-end" grow>
        <NativeSelect
          label="Account"
          required
          value={accountId}
          onChange={(event) => {
            setAccountId(event.currentTarget.value);
            reset();
          }}
          data={[{ value: '', label: 'Choose…' }, ...bankAccounts.map((account) => ({ value: account.id, label: `${account.entity.name}: ${account.code} ${account.name}` }))]}
        />
        <FileInput
          label="Statement file"
          placeholder="Choose a file"
          accept=".csv,.txt,.ofx,.qfx,.qif"
          value={file}
          onChange={(next) => {
            setFile(next);
            reset();
          }}
          clearable
        />
        <Button onClick={() => send.mutate()} disabled={!file || !accountId} loading={send.isPending}>
          Upload
        </Button>
      </Group>

      {error && (
        <Alert color="red" role="alert" title="The file cannot be imported as it is">
          {error}
        </Alert>
      )}
      {done && (
        <Alert color="green" role="status">
          {done}
        </Alert>
      )}

      {upload?.csv && mapping && (
        <Stack component="fieldset" style={{ border: '1px solid var(--mantine-color-gray-4)', borderRadius: 8, padding: 16 }}>
          <legend>Map the columns{upload.csv.remembered ? ' (remembered from your last import into this account)' : ''}</legend>
          <Group grow align="flex-end">
            <NativeSelect label="Separator" value={mapping.delimiter} onChange={(event) => setMapping({ ...mapping, delimiter: event.currentTarget.value as CsvMapping['delimiter'] })} data={delimiters} />
            <Checkbox label="First row is a header" checked={mapping.hasHeader} onChange={(event) => setMapping({ ...mapping, hasHeader: event.currentTarget.checked })} />
            <NativeSelect label="Date column" value={String(mapping.dateColumn)} onChange={(event) => setColumn('dateColumn', event.currentTarget.value)} data={columns} />
            <NativeSelect label="Date format" value={mapping.dateFormat} onChange={(event) => setMapping({ ...mapping, dateFormat: event.currentTarget.value as CsvMapping['dateFormat'] })} data={dateFormats} />
          </Group>
          <SegmentedControl
            aria-label="Amounts"
            value={amountMode}
            onChange={(value) => {
              const { amountColumn, debitColumn, creditColumn, ...rest } = mapping;
              void amountColumn;
              void debitColumn;
              void creditColumn;
              setMapping(value === 'single' ? { ...rest, amountColumn: 0 } : { ...rest, debitColumn: 0, creditColumn: 0 });
            }}
            data={[
              { value: 'single', label: 'One amount column' },
              { value: 'split', label: 'Debit and credit columns' },
            ]}
          />
          <Group grow align="flex-end">
            {amountMode === 'single' ? (
              <NativeSelect label="Amount column" value={String(mapping.amountColumn ?? '')} onChange={(event) => setColumn('amountColumn', event.currentTarget.value)} data={optionalColumns} />
            ) : (
              <>
                <NativeSelect label="Debit (money out) column" value={String(mapping.debitColumn ?? '')} onChange={(event) => setColumn('debitColumn', event.currentTarget.value)} data={optionalColumns} />
                <NativeSelect label="Credit (money in) column" value={String(mapping.creditColumn ?? '')} onChange={(event) => setColumn('creditColumn', event.currentTarget.value)} data={optionalColumns} />
              </>
            )}
            <NativeSelect label="Decimal separator" value={mapping.decimalSeparator} onChange={(event) => setMapping({ ...mapping, decimalSeparator: event.currentTarget.value as CsvMapping['decimalSeparator'] })} data={[{ value: '.', label: 'Point (1,234.56)' }, { value: ',', label: 'Comma (1.234,56)' }]} />
          </Group>
          <Group grow align="flex-end">
            <NativeSelect label="Payee column" value={String(mapping.payeeColumn ?? '')} onChange={(event) => setColumn('payeeColumn', event.currentTarget.value)} data={optionalColumns} />
            <NativeSelect label="Memo column" value={String(mapping.memoColumn ?? '')} onChange={(event) => setColumn('memoColumn', event.currentTarget.value)} data={optionalColumns} />
            <NativeSelect label="Bank id column" value={String(mapping.idColumn ?? '')} onChange={(event) => setColumn('idColumn', event.currentTarget.value)} data={optionalColumns} />
            <Checkbox label="Positive amounts are money out" checked={mapping.invertSign ?? false} onChange={(event) => setMapping({ ...mapping, invertSign: event.currentTarget.checked })} />
          </Group>
          <Table>
            <Table.Caption>First rows of {upload.fileName ?? 'the file'}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                {upload.csv.headers.map((header, index) => (
                  <Table.Th key={index}>{header}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {upload.csv.rows.slice(0, 5).map((row, rowIndex) => (
                <Table.Tr key={rowIndex}>
                  {row.map((cell, index) => (
                    <Table.Td key={index}>{cell}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group>
            <Button onClick={() => showPreview.mutate({ fileId: upload.fileId, mapping })} loading={showPreview.isPending}>
              Preview
            </Button>
          </Group>
        </Stack>
      )}

      {preview && upload && (
        <Stack>
          <Title order={3}>Preview for {accountLabel(upload.accountId)}</Title>
          <Text role="status">
            {preview.counts.new} new, {preview.counts.duplicate} duplicate, {preview.counts.invalid} invalid of {preview.counts.total} rows
            {preview.rowsTruncated ? ' (the first rows are listed)' : ''}.
          </Text>
          <Table striped>
            <Table.Caption>Rows of the file and what the import will do with each</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Line</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Date</Table.Th>
                <Table.Th>Payee</Table.Th>
                <Table.Th ta="right">Amount</Table.Th>
                <Table.Th>Why</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {preview.rows.slice(0, 200).map((row) => (
                <Table.Tr key={`${row.line}-${row.status}`}>
                  <Table.Td>{row.line}</Table.Td>
                  <Table.Td>
                    <Badge color={statusColor[row.status]} variant="light">
                      {row.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{row.date ?? '—'}</Table.Td>
                  <Table.Td>{row.payee ?? row.memo ?? '—'}</Table.Td>
                  <Table.Td ta="right">{row.amount ? <MoneyText value={row.amount} /> : '—'}</Table.Td>
                  <Table.Td>{row.reason ?? ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {preview.counts.invalid > 0 && <Checkbox label={`Skip the ${preview.counts.invalid} invalid row(s) and import the rest`} checked={skipInvalid} onChange={(event) => setSkipInvalid(event.currentTarget.checked)} />}
          <Group>
            <Button onClick={() => commit.mutate()} loading={commit.isPending} disabled={preview.counts.new === 0 || (preview.counts.invalid > 0 && !skipInvalid)}>
              Import {preview.counts.new} new transaction(s)
            </Button>
            <Button variant="default" onClick={reset}>
              Cancel
            </Button>
          </Group>
        </Stack>
      )}

      <Title order={3}>Recent imports</Title>
      {batches.data?.length === 0 && <Text c="dimmed">No imports yet.</Text>}
      {batches.data && batches.data.length > 0 && (
        <Table>
          <Table.Caption>Import batches, newest first</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>File</Table.Th>
              <Table.Th>Account</Table.Th>
              <Table.Th>Added</Table.Th>
              <Table.Th>Duplicates</Table.Th>
              <Table.Th>When</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {batches.data.map((batch) => (
              <Table.Tr key={batch.id}>
                <Table.Td>{batch.fileName ?? batch.format.toUpperCase()}</Table.Td>
                <Table.Td>{accountLabel(batch.accountId)}</Table.Td>
                <Table.Td>{batch.counts.added}</Table.Td>
                <Table.Td>{batch.counts.duplicate}</Table.Td>
                <Table.Td>{new Date(batch.createdAt).toLocaleString()}</Table.Td>
                <Table.Td>
                  {batch.undoneAt ? (
                    <Text size="sm">Undone</Text>
                  ) : (
                    <Button size="xs" variant="default" onClick={() => undo.mutate(batch.id)} loading={undo.isPending && undo.variables === batch.id} aria-label={`Undo import of ${batch.fileName ?? 'file'}`}>
                      Undo
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
