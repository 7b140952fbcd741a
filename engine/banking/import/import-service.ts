/**
 * File imports: upload, preview (new / duplicate / invalid, nothing written), import as one
 * batch (each new row a journal: the account vs Uncategorized, or vs the category the file
 * names), and undo a batch by reversal journals. A broken file is refused whole, naming the
 * line; rows that do not read are shown as invalid and, unless skipped on purpose, block the
 * import.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Actor } from '../../auth/actor.js';
import { isUuid } from '../../auth/actor.js';
import { AuditLog } from '../../audit/audit-log.js';
import { Conflict, NotFound, RuleViolation } from '../../errors.js';
import { insertJournals, type JournalDraft } from '../../ledger/journal-store.js';
import { findAccount } from '../../ledger/scope.js';
import type { AccountRow, EntityRow, IsoDate } from '../../ledger/types.js';
import { formatMinor } from '../../money/index.js';
import { addDaysIso, bankJournalDraft, ensureUncategorizedAccount, reversalDrafts } from '../ledger-accounts.js';
import { matchPlannedTransfers, plannedTransferWindowDays, unclaimedPlannedPostings } from '../reconcile.js';
import { insertBankTransactions } from '../transactions.js';
import { parseCsv, sampleCsv, validateCsvMapping, type CsvMapping, type CsvSample } from './csv.js';
import { dedupe, fuzzyWindowDays, type DedupeVerdict, type ExistingTransaction } from './dedupe.js';
import { parseOfx } from './ofx.js';
import { parseQif } from './qif.js';
import { decodeStatementBytes, detectFormat, StatementFileError, type ImportFormat, type ParsedStatement, type StatementRow } from './statement-file.js';

/** Largest file accepted, bytes (about 300,000 CSV rows). */
export const importFileBytesMax = 20 * 1024 * 1024;
/** Rows listed in a preview answer; the counts always cover the whole file. */
export const previewRowsMax = 1_000;

export interface UploadView {
  fileId: string;
  fileName: string | null;
  format: ImportFormat;
  accountId: string;
  /** CSV only: the first rows and the mapping to start the wizard with (the remembered one if any). */
  csv?: CsvSample & { remembered: boolean };
}

export interface PreviewRow {
  line: number;
  status: 'new' | 'duplicate' | 'invalid';
  date: IsoDate | null;
  amount: string | null;
  payee: string | null;
  memo: string | null;
  reason: string | null;
  matchedTransactionId: string | null;
}

export interface PreviewView {
  format: ImportFormat;
  accountId: string;
  counts: { total: number; new: number; duplicate: number; invalid: number };
  rows: PreviewRow[];
  rowsTruncated: boolean;
  statement: { currency: string | null; closingBalance: string | null; closingDate: IsoDate | null } | null;
}

export interface BatchView {
  id: string;
  accountId: string;
  format: ImportFormat;
  fileName: string | null;
  counts: { total: number; added: number; duplicate: number; invalid: number };
  createdAt: string;
  undoneAt: string | null;
}

export interface ImportRequest {
  content: string;
  fileName?: string | null;
  format?: ImportFormat;
  mapping?: CsvMapping;
  /** Import the readable rows even if some rows are invalid. */
  skipInvalid?: boolean;
}

interface Analysis {
  account: AccountRow & { entity_kind: string };
  parsed: ParsedStatement;
  verdicts: DedupeVerdict[];
  sha256: string;
}

const reasonText: Record<string, string> = {
  bank_id: 'same bank id (FITID) imported before',
  repeated_in_file: 'the same bank id appears earlier in this file',
  same_row: 'this row was imported before',
  fuzzy: `same amount within ${fuzzyWindowDays} days, similar payee`,
};

export class ImportService {
  constructor(
    private readonly db: Knex,
    private readonly audit: AuditLog,
  ) {}

  async upload(actor: Actor, accountId: string, fileName: string | null, bytes: Uint8Array): Promise<UploadView> {
    const account = await this.bankAccount(this.db, actor, accountId);
    if (bytes.byteLength === 0) throw new RuleViolation('the file is empty', [{ field: '/file', message: 'the file is empty', code: 'empty_file' }], 'empty_file');
    if (bytes.byteLength > importFileBytesMax) throw new RuleViolation(`the file is larger than ${importFileBytesMax} bytes; split it`, [{ field: '/file', message: 'too large', code: 'file_too_large' }], 'file_too_large');
    const content = decodeStatementBytes(bytes).replace(/\u0000/g, '');
    const format = detectFormat(content, fileName);
    let csv: UploadView['csv'];
    if (format === 'csv') {
      const sample = fileProblem(() => sampleCsv(content));
      const remembered = await this.db('import_mappings').where({ ledger_account_id: account.id }).first('mapping');
      // The remembered mapping is offered only if it fits this file (same delimiter, columns exist).
      const mapping = remembered?.mapping as CsvMapping | undefined;
      const fits = mapping && mapping.delimiter === sample.delimiter && mappedColumns(mapping).every((column) => column < sample.headers.length);
      csv = { ...sample, suggested: fits ? mapping : sample.suggested, remembered: Boolean(fits) };
    } else {
      // OFX/QIF: refuse a broken file at upload already.
      fileProblem(() => this.parse(content, format, undefined, account.currency.trim()));
    }
    const [row] = await this.db('import_files')
      .insert({ household_id: actor.householdId, ledger_account_id: account.id, file_name: fileName?.slice(0, 255) ?? null, content, sha256: sha256(content) })
      .returning('id');
    return { fileId: row.id, fileName, format, accountId: account.id, ...(csv ? { csv } : {}) };
  }

  async previewFile(actor: Actor, fileId: string, mapping?: CsvMapping): Promise<PreviewView> {
    const file = await this.file(this.db, actor, fileId);
    return this.preview(actor, file.ledger_account_id, { content: file.content, fileName: file.file_name, ...(mapping ? { mapping } : {}) });
  }

  async commitFile(actor: Actor, fileId: string, options: { mapping?: CsvMapping; skipInvalid?: boolean }, trx: Knex.Transaction): Promise<BatchView> {
    // The upload's row is locked first (README, "Locks": the resource being changed): the same
    // upload committed twice at once imports once, and the second is told the file is gone
    // rather than, depending on timing, answered with an empty batch.
    const file = await this.file(trx, actor, fileId, { forUpdate: true });
    const batch = await this.importContent(actor, file.ledger_account_id, { content: file.content, fileName: file.file_name, ...options }, trx);
    await trx('import_files').where({ id: file.id }).delete();
    return batch;
  }

  async preview(actor: Actor, accountId: string, request: ImportRequest): Promise<PreviewView> {
    const analysis = await this.analyse(this.db, actor, accountId, request);
    return previewView(analysis);
  }

  /** Parse, dedupe and post in the caller's transaction: all new rows, or nothing. */
  async importContent(actor: Actor, accountId: string, request: ImportRequest, trx: Knex.Transaction): Promise<BatchView> {
    // One import per account at a time, so two imports of the same file cannot both pass dedupe.
    // An advisory lock (README, "Locks": resource locks come first), not the account row: the
    // postings lock accounts in id order later, and this account is one of them.
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`import:${accountId}`]);
    const analysis = await this.analyse(trx, actor, accountId, request);
    const { account, parsed, verdicts } = analysis;
    if (parsed.invalid.length > 0 && !request.skipInvalid) {
      throw new RuleViolation(
        `${parsed.invalid.length} row(s) cannot be read; fix the file or import with skipInvalid`,
        parsed.invalid.slice(0, 50).map((row) => ({ field: `/file/line/${row.line}`, message: `line ${row.line}: ${row.message}`, code: 'invalid_row' })),
        'invalid_rows',
      );
    }
    const currency = account.currency.trim();
    const entity = await trx<EntityRow>('entities').where({ id: account.entity_id }).first();
    const uncategorized = await ensureUncategorizedAccount(trx, entity!, currency);
    const categories = await this.categoryAccounts(trx, account.entity_id, currency, parsed.rows);
    const batchId = randomUUID();
    const fresh = parsed.rows.map((row, index) => ({ row, verdict: verdicts[index]! })).filter((entry) => entry.verdict.status === 'new');

    // Planned transfers already posted by flows are matched, not posted again.
    const planned = fresh.length > 0 ? await unclaimedPlannedPostings(trx, [account.id], addDaysIso(minDate(fresh.map((entry) => entry.row.date)), -plannedTransferWindowDays), addDaysIso(maxDate(fresh.map((entry) => entry.row.date)), plannedTransferWindowDays)) : [];
    const matches = planned.length > 0 ? matchPlannedTransfers(fresh.map((entry, index) => ({ key: String(index), ledgerAccountId: account.id, amountMinor: entry.row.amountMinor, date: entry.row.date })), planned) : new Map<string, string>();

    const drafts: JournalDraft[] = [];
    const rows: Record<string, unknown>[] = [];
    fresh.forEach(({ row, verdict }, index) => {
      const categoryId = row.category ? categories.get(row.category.toLowerCase()) : undefined;
      const matchedJournal = matches.get(String(index));
      let journalId = matchedJournal;
      if (!journalId) {
        const draft = bankJournalDraft({ entityId: account.entity_id, bankLedgerAccountId: account.id, counterAccountId: categoryId ?? uncategorized.id, date: row.date, ledgerAmountMinor: row.amountMinor, currency, payee: row.payee, memo: row.memo ?? row.payee ?? '', source: 'import', createdBy: actor.userId });
        drafts.push(draft);
        journalId = draft.id;
      }
      rows.push({
        household_id: actor.householdId,
        entity_id: account.entity_id,
        ledger_account_id: account.id,
        source: 'file',
        batch_id: batchId,
        external_id: row.externalId,
        content_hash: verdict.status === 'new' ? verdict.contentHash : null,
        status: matchedJournal ? 'matched' : 'posted',
        date: row.date,
        amount_minor: row.amountMinor.toString(),
        currency,
        payee: row.payee,
        memo: row.memo,
        category_account_id: categoryId ?? null,
        journal_id: journalId,
      });
    });
    const counts = { total: parsed.rows.length + parsed.invalid.length, added: fresh.length, duplicate: parsed.rows.length - fresh.length, invalid: parsed.invalid.length };
    await trx('import_batches').insert({
      id: batchId,
      household_id: actor.householdId,
      ledger_account_id: account.id,
      format: parsed.format,
      file_name: request.fileName?.slice(0, 255) ?? null,
      file_sha256: analysis.sha256,
      rows_total: counts.total,
      rows_added: counts.added,
      rows_duplicate: counts.duplicate,
      rows_invalid: counts.invalid,
      created_by: actor.userId,
    });
    await insertJournals(trx, drafts);
    await insertBankTransactions(trx, rows);
    if (parsed.format === 'csv' && request.mapping) {
      await trx('import_mappings').insert({ ledger_account_id: account.id, mapping: JSON.stringify(request.mapping), updated_at: trx.fn.now() }).onConflict('ledger_account_id').merge();
    }
    await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'import.batch', resourceType: 'import_batch', resourceId: batchId, after: { accountId: account.id, format: parsed.format, fileName: request.fileName ?? null, ...counts } }]);
    return { id: batchId, accountId: account.id, format: parsed.format, fileName: request.fileName ?? null, counts, createdAt: new Date().toISOString(), undoneAt: null };
  }

  /** Undo: every journal the batch posted gets its reversal; its rows free their ids for a re-import. */
  async undo(actor: Actor, batchId: string, trx: Knex.Transaction): Promise<BatchView & { reversed: number }> {
    const batch = isUuid(batchId) ? await trx('import_batches').where({ id: batchId, household_id: actor.householdId }).forUpdate().first() : undefined;
    if (!batch) throw new NotFound('import batch', batchId);
    if (batch.undone_at) throw new Conflict(`import batch ${batchId} was already undone`, 'already_undone');
    const posted = await trx('bank_transactions').where({ batch_id: batch.id, status: 'posted' }).pluck('journal_id');
    const drafts = await reversalDrafts(trx, posted, 'import', actor.userId);
    await insertJournals(trx, [...drafts.values()]);
    await trx('bank_transactions').where({ batch_id: batch.id }).whereIn('status', ['posted', 'matched']).update({ status: 'undone', updated_at: trx.fn.now() });
    const [updated] = await trx('import_batches').where({ id: batch.id }).update({ undone_at: trx.fn.now(), undone_by: actor.userId }).returning('*');
    await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'import.undo', resourceType: 'import_batch', resourceId: batch.id, after: { reversed: drafts.size } }]);
    return { ...batchView(updated), reversed: drafts.size };
  }

  async listBatches(actor: Actor, accountId: string | undefined, limit: number, offset: number): Promise<{ data: BatchView[]; total: number }> {
    const base = this.db('import_batches').where({ household_id: actor.householdId });
    if (accountId) base.andWhere({ ledger_account_id: isUuid(accountId) ? accountId : '00000000-0000-0000-0000-000000000000' });
    const total = Number((await base.clone().count<{ n: bigint }[]>({ n: '*' }))[0]?.n ?? 0n);
    const rows = await base.orderBy('created_at', 'desc').limit(limit).offset(offset);
    return { data: rows.map(batchView), total };
  }

  private parse(content: string, format: ImportFormat, mapping: CsvMapping | undefined, currency: string): ParsedStatement {
    if (format === 'ofx') return parseOfx(content, currency);
    if (format === 'qif') return parseQif(content, currency);
    const csvMapping = mapping ?? sampleCsv(content).suggested;
    const problem = validateCsvMapping(csvMapping);
    if (problem) throw new RuleViolation(problem, [{ field: '/mapping', message: problem, code: 'invalid_mapping' }], 'invalid_mapping');
    return parseCsv(content, csvMapping, currency);
  }

  private async analyse(db: Knex, actor: Actor, accountId: string, request: ImportRequest): Promise<Analysis> {
    const account = await this.bankAccount(db, actor, accountId);
    const currency = account.currency.trim();
    const format = request.format ?? detectFormat(request.content, request.fileName);
    let mapping = request.mapping;
    if (!mapping && format === 'csv') {
      const remembered = (await db('import_mappings').where({ ledger_account_id: account.id }).first('mapping'))?.mapping as CsvMapping | undefined;
      const sample = fileProblem(() => sampleCsv(request.content));
      mapping = remembered && remembered.delimiter === sample.delimiter && mappedColumns(remembered).every((column) => column < sample.headers.length) ? remembered : sample.suggested;
    }
    const parsed = fileProblem(() => this.parse(request.content, format, mapping, currency));
    if (parsed.currency && parsed.currency !== currency) {
      throw new RuleViolation(`the file is in ${parsed.currency} but the account is in ${currency}`, [{ field: '/file', message: `currency ${parsed.currency} ≠ ${currency}`, code: 'currency_mismatch' }], 'currency_mismatch');
    }
    const existing = await this.existing(db, account.id, parsed.rows);
    return { account, parsed, verdicts: dedupe(parsed.rows, existing), sha256: sha256(request.content) };
  }

  private async existing(db: Knex, accountId: string, rows: readonly StatementRow[]): Promise<ExistingTransaction[]> {
    if (rows.length === 0) return [];
    const dates = rows.map((row) => row.date);
    const result = await db.raw(
      `select id, date::text as date, amount_minor, payee, source, external_id, content_hash
         from bank_transactions
        where ledger_account_id = ? and status in ('posted', 'matched') and date between ? and ?`,
      [accountId, addDaysIso(minDate(dates), -fuzzyWindowDays), addDaysIso(maxDate(dates), fuzzyWindowDays)],
    );
    return (result.rows as { id: bigint; date: string; amount_minor: bigint; payee: string | null; source: string; external_id: string | null; content_hash: string | null }[]).map((row) => ({
      id: String(row.id),
      date: row.date,
      amountMinor: BigInt(row.amount_minor),
      payee: row.payee,
      fileExternalId: row.source === 'file' ? row.external_id : null,
      contentHash: row.content_hash,
    }));
  }

  /** Categories a file names (QIF `L`), matched to the entity's income/expense accounts by name. */
  private async categoryAccounts(trx: Knex.Transaction, entityId: string, currency: string, rows: readonly StatementRow[]): Promise<Map<string, string>> {
    const names = new Set(rows.flatMap((row) => (row.category ? [row.category.toLowerCase()] : [])));
    if (names.size === 0) return new Map();
    const accounts = await trx<AccountRow>('accounts').where({ entity_id: entityId, currency }).whereIn('type', ['income', 'expense']).whereNull('archived_at').select('id', 'name');
    const byName = new Map<string, string>();
    for (const account of accounts) if (names.has(account.name.toLowerCase())) byName.set(account.name.toLowerCase(), account.id);
    return byName;
  }

  private async bankAccount(db: Knex, actor: Actor, accountId: string) {
    const account = await findAccount(db, actor, accountId);
    if (account.type !== 'asset' && account.type !== 'liability') {
      throw new RuleViolation('import into a bank, card or loan account (an asset or liability)', [{ field: '/accountId', message: 'not a bank account', code: 'not_a_bank_account' }], 'not_a_bank_account');
    }
    if (account.archived_at) throw new RuleViolation('the account is archived', [{ field: '/accountId', message: 'archived', code: 'archived_account' }]);
    return account;
  }

  private async file(db: Knex, actor: Actor, fileId: string, options: { forUpdate?: boolean } = {}) {
    const query = db('import_files').where({ id: fileId, household_id: actor.householdId });
    if (options.forUpdate) query.forUpdate();
    const file = isUuid(fileId) ? await query.first() : undefined;
    if (!file) throw new NotFound('uploaded file', fileId);
    return file as { id: string; ledger_account_id: string; file_name: string | null; content: string };
  }
}

/** A broken file is the client's problem (422 naming the line), never a 500. */
function fileProblem<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof StatementFileError) {
      throw new RuleViolation(`the file cannot be imported: ${error.message}`, [{ field: `/file/line/${error.line}`, message: error.message, code: 'malformed_file' }], 'malformed_file');
    }
    throw error;
  }
}

function previewView({ account, parsed, verdicts }: Analysis): PreviewView {
  const currency = account.currency.trim();
  const all: PreviewRow[] = [
    ...parsed.rows.map((row, index) => {
      const verdict = verdicts[index]!;
      return {
        line: row.line,
        status: verdict.status,
        date: row.date,
        amount: formatMinor(row.amountMinor, currency),
        payee: row.payee,
        memo: row.memo,
        reason: verdict.status === 'duplicate' ? reasonText[verdict.reason]! : null,
        matchedTransactionId: verdict.status === 'duplicate' ? verdict.matchedId : null,
      } satisfies PreviewRow;
    }),
    ...parsed.invalid.map((row) => ({ line: row.line, status: 'invalid' as const, date: null, amount: null, payee: null, memo: null, reason: row.message, matchedTransactionId: null })),
  ].sort((a, b) => a.line - b.line);
  const duplicate = verdicts.filter((verdict) => verdict.status === 'duplicate').length;
  return {
    format: parsed.format,
    accountId: account.id,
    counts: { total: all.length, new: parsed.rows.length - duplicate, duplicate, invalid: parsed.invalid.length },
    rows: all.slice(0, previewRowsMax),
    rowsTruncated: all.length > previewRowsMax,
    statement: parsed.format === 'ofx' ? { currency: parsed.currency ?? null, closingBalance: parsed.closingBalance ? formatMinor(parsed.closingBalance.amountMinor, currency) : null, closingDate: parsed.closingBalance?.date ?? null } : null,
  };
}

function batchView(row: Record<string, any>): BatchView {
  return {
    id: row.id,
    accountId: row.ledger_account_id,
    format: row.format,
    fileName: row.file_name,
    counts: { total: row.rows_total, added: row.rows_added, duplicate: row.rows_duplicate, invalid: row.rows_invalid },
    createdAt: row.created_at.toISOString(),
    undoneAt: row.undone_at?.toISOString() ?? null,
  };
}

function mappedColumns(mapping: CsvMapping): number[] {
  return [mapping.dateColumn, mapping.amountColumn, mapping.debitColumn, mapping.creditColumn, mapping.payeeColumn, mapping.memoColumn, mapping.idColumn].filter((column): column is number => column !== undefined);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function minDate(dates: readonly IsoDate[]): IsoDate {
  let min = dates[0]!;
  for (const date of dates) if (date < min) min = date;
  return min;
}

function maxDate(dates: readonly IsoDate[]): IsoDate {
  let max = dates[0]!;
  for (const date of dates) if (date > max) max = date;
  return max;
}
