/** The bank-data API's shapes, as the studio uses them (mirrors of api/routes/banking.ts answers). */
import { api, idempotencyKey } from '../../api/client';

export type ItemStatus = 'active' | 'login_required' | 'error' | 'removed';

export interface BankAccount {
  id: string;
  name: string;
  mask: string | null;
  type: string;
  subtype: string | null;
  holderCategory: string | null;
  currency: string;
  entityId: string | null;
  ledgerAccountId: string | null;
  ledgerAccountName: string | null;
  bankBalance: string | null;
  bankAvailable: string | null;
  ledgerBalance: string | null;
  balanceUpdatedAt: string | null;
}

export interface BankItem {
  id: string;
  institutionId: string | null;
  institutionName: string | null;
  status: ItemStatus;
  error: { code: string; message: string | null } | null;
  lastSyncedAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
  accounts: BankAccount[];
}

export interface LinkToken {
  linkToken: string;
  expiration: string;
  mode: 'sandbox' | 'plaid';
  consentUrl: string | null;
}

export interface SyncOutcome {
  status: 'synced' | 'login_required' | 'failed' | 'skipped';
  added: number;
  modified: number;
  removed: number;
  pending: number;
  error?: { code: string; message: string };
}

export interface CsvMapping {
  delimiter: ',' | ';' | '\t' | '|';
  hasHeader: boolean;
  dateColumn: number;
  dateFormat: 'YYYY-MM-DD' | 'MM/DD/YYYY' | 'DD/MM/YYYY' | 'DD.MM.YYYY' | 'YYYYMMDD';
  amountColumn?: number;
  debitColumn?: number;
  creditColumn?: number;
  payeeColumn?: number;
  memoColumn?: number;
  idColumn?: number;
  decimalSeparator: '.' | ',';
  invertSign?: boolean;
}

export interface Upload {
  fileId: string;
  fileName: string | null;
  format: 'csv' | 'ofx' | 'qif';
  accountId: string;
  csv?: { delimiter: string; headers: string[]; rows: string[][]; suggested: CsvMapping; remembered: boolean };
}

export interface PreviewRow {
  line: number;
  status: 'new' | 'duplicate' | 'invalid';
  date: string | null;
  amount: string | null;
  payee: string | null;
  memo: string | null;
  reason: string | null;
}

export interface Preview {
  format: Upload['format'];
  counts: { total: number; new: number; duplicate: number; invalid: number };
  rows: PreviewRow[];
  rowsTruncated: boolean;
}

export interface Batch {
  id: string;
  accountId: string;
  format: Upload['format'];
  fileName: string | null;
  counts: { total: number; added: number; duplicate: number; invalid: number };
  createdAt: string;
  undoneAt: string | null;
}

export const bankingKeys = {
  items: ['banking', 'items'] as const,
  batches: ['banking', 'imports'] as const,
};

export const bankingApi = {
  items: async () => (await api<{ data: BankItem[] }>('/banking/items')).data,
  linkToken: (itemId?: string) => api<LinkToken>('/banking/link-token', { method: 'POST', body: itemId ? { itemId } : {} }),
  exchange: (publicToken: string) => api<BankItem>('/banking/items', { method: 'POST', body: { publicToken } }),
  assign: (itemId: string, accounts: { accountId: string; entityId: string; subtype?: string }[]) => api<BankItem & { sync: SyncOutcome }>(`/banking/items/${itemId}/accounts`, { method: 'POST', body: { accounts } }),
  sync: (itemId: string) => api<SyncOutcome & { item: BankItem }>(`/banking/items/${itemId}/sync`, { method: 'POST' }),
  repair: (itemId: string) => api<BankItem>(`/banking/items/${itemId}/repair`, { method: 'POST' }),
  upload: (accountId: string, fileName: string, content: string) => api<Upload>('/banking/imports/files', { method: 'POST', query: { accountId, fileName }, body: { content } }),
  preview: (fileId: string, mapping?: CsvMapping) => api<Preview>('/banking/imports/preview', { method: 'POST', body: { fileId, ...(mapping ? { mapping } : {}) } }),
  commit: (fileId: string, mapping: CsvMapping | undefined, skipInvalid: boolean) =>
    api<Batch>('/banking/imports', { method: 'POST', headers: { 'Idempotency-Key': idempotencyKey() }, body: { fileId, ...(mapping ? { mapping } : {}), ...(skipInvalid ? { skipInvalid } : {}) } }),
  batches: async () => (await api<{ data: Batch[] }>('/banking/imports', { query: { limit: 20 } })).data,
  undo: (batchId: string) => api<Batch>(`/banking/imports/${batchId}/undo`, { method: 'POST', headers: { 'Idempotency-Key': idempotencyKey() } }),
};

/** What the sandbox's consent page (and our Link wrapper) posts back to the studio window. */
export interface LinkMessage {
  type: 'plaid-sandbox-link';
  publicToken: string | null;
  updated: boolean;
}

export function isLinkMessage(data: unknown): data is LinkMessage {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'plaid-sandbox-link';
}
