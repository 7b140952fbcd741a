import type { Knex } from 'knex';

/**
 * Bank data in: Plaid items and their accounts, every bank or file transaction Sluice has seen
 * (with the journal it posted), import batches, remembered CSV mappings, statement
 * reconciliations, and an "Uncategorized" account per entity for what is not yet categorised.
 *
 * Rules the database holds itself:
 *  - a Plaid transaction id is stored once, ever (unique), so it can post once, ever;
 *  - a file's bank id (FITID) is stored once per account while its batch stands;
 *  - a bank account books to a ledger account of the entity it was assigned to (composite key);
 *  - every change to a bank transaction (modified, removed, categorised) leaves a revision row,
 *    and revisions are never edited.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table bank_items (
      id uuid primary key default gen_random_uuid(),
      household_id uuid not null references households(id),
      plaid_item_id text not null unique check (length(plaid_item_id) between 1 and 200),
      institution_id text,
      institution_name text,
      -- AES-256-GCM (engine/security/field-encryption.ts), bound to this row by its AAD.
      access_token_ciphertext text not null,
      sync_cursor text check (length(sync_cursor) <= 1024),
      status text not null default 'active' check (status in ('active', 'login_required', 'error', 'removed')),
      error_code text,
      error_message text check (length(error_message) <= 1000),
      last_synced_at timestamptz,
      last_attempt_at timestamptz,
      last_webhook_at timestamptz,
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      unique (id, household_id)
    );
    create index bank_items_household on bank_items (household_id);

    create table bank_accounts (
      id uuid primary key default gen_random_uuid(),
      item_id uuid not null references bank_items(id),
      household_id uuid not null,
      plaid_account_id text not null check (length(plaid_account_id) between 1 and 200),
      name text not null,
      mask text,
      plaid_type text not null,
      plaid_subtype text,
      holder_category text,
      currency char(3) not null,
      -- Null until the user assigns the account to an entity (required before anything posts).
      entity_id uuid,
      ledger_account_id uuid,
      -- The bank's own figures from the last sync, in the bank's sign (what the statement shows).
      bank_current_minor bigint,
      bank_available_minor bigint,
      balance_updated_at timestamptz,
      -- The first complete sync brings the ledger account to the bank's balance, once.
      opened_at timestamptz,
      opening_journal_id uuid references journals(id),
      created_at timestamptz not null default now(),
      unique (item_id, plaid_account_id),
      unique (ledger_account_id),
      foreign key (item_id, household_id) references bank_items (id, household_id),
      foreign key (ledger_account_id, entity_id) references accounts (id, entity_id),
      check ((entity_id is null) = (ledger_account_id is null))
    );

    create table import_batches (
      id uuid primary key default gen_random_uuid(),
      household_id uuid not null references households(id),
      ledger_account_id uuid not null references accounts(id),
      format text not null check (format in ('csv', 'ofx', 'qif')),
      file_name text check (length(file_name) <= 255),
      file_sha256 text not null,
      rows_total int not null,
      rows_added int not null,
      rows_duplicate int not null,
      rows_invalid int not null,
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      undone_at timestamptz,
      undone_by uuid references users(id)
    );
    create index import_batches_account on import_batches (ledger_account_id, created_at desc);

    -- Uploaded files wait here between upload, preview and import (the wizard's steps).
    create table import_files (
      id uuid primary key default gen_random_uuid(),
      household_id uuid not null references households(id),
      ledger_account_id uuid not null references accounts(id),
      file_name text check (length(file_name) <= 255),
      content text not null,
      sha256 text not null,
      created_at timestamptz not null default now()
    );

    -- One row per transaction a bank or a file told us about.
    create table bank_transactions (
      id bigint generated always as identity primary key,
      household_id uuid not null references households(id),
      entity_id uuid not null,
      ledger_account_id uuid not null,
      source text not null check (source in ('plaid', 'file')),
      bank_account_id uuid references bank_accounts(id),
      batch_id uuid references import_batches(id),
      -- Plaid transaction_id, or the file's FITID; null for files without bank ids.
      external_id text check (length(external_id) <= 200),
      -- Files without ids: hash of (date, amount, payee, n-th identical row), for exact re-imports.
      content_hash text,
      pending_transaction_id text,
      status text not null check (status in ('pending', 'posted', 'matched', 'removed', 'undone')),
      date date not null,
      amount_minor bigint not null,
      currency char(3) not null,
      payee text check (length(payee) <= 200),
      memo text check (length(memo) <= 500),
      category_account_id uuid references accounts(id),
      -- The journal that carries it in the books (its own, or a flow's transfer it matched).
      journal_id uuid references journals(id),
      reconciled_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      foreign key (ledger_account_id, entity_id) references accounts (id, entity_id),
      check (source <> 'plaid' or (external_id is not null and bank_account_id is not null)),
      check (source <> 'file' or batch_id is not null),
      check (status not in ('posted', 'matched') or journal_id is not null)
    );
    -- Each Plaid transaction id is stored, and so posts, once, ever.
    create unique index bank_transactions_plaid_id on bank_transactions (external_id) where source = 'plaid';
    -- A bank id in a file is imported once per account (an undone batch frees it again).
    create unique index bank_transactions_file_id on bank_transactions (ledger_account_id, external_id)
      where source = 'file' and external_id is not null and status <> 'undone';
    create unique index bank_transactions_file_hash on bank_transactions (ledger_account_id, content_hash)
      where source = 'file' and content_hash is not null and status <> 'undone';
    -- A journal is claimed by at most one bank transaction per account (flow matches included).
    create unique index bank_transactions_journal on bank_transactions (journal_id, ledger_account_id)
      where journal_id is not null and status in ('posted', 'matched');
    create index bank_transactions_account_date on bank_transactions (ledger_account_id, date);
    create index bank_transactions_batch on bank_transactions (batch_id) where batch_id is not null;

    -- The audit trail of corrections: what the bank changed and what the books did about it.
    create table bank_transaction_revisions (
      id bigint generated always as identity primary key,
      bank_transaction_id bigint not null references bank_transactions(id),
      change text not null check (change in ('modified', 'removed', 'posted_from_pending', 'categorised', 'undone')),
      before jsonb not null,
      after jsonb not null,
      reversal_journal_id uuid references journals(id),
      correction_journal_id uuid references journals(id),
      created_at timestamptz not null default now()
    );
    create index bank_transaction_revisions_txn on bank_transaction_revisions (bank_transaction_id);
    create trigger bank_transaction_revisions_immutable before update or delete on bank_transaction_revisions
      for each row execute function sluice_forbid_change();

    -- The CSV mapping a user chose for an account, offered again next time.
    create table import_mappings (
      ledger_account_id uuid primary key references accounts(id),
      mapping jsonb not null,
      updated_at timestamptz not null default now()
    );

    create table reconciliations (
      id uuid primary key default gen_random_uuid(),
      household_id uuid not null references households(id),
      ledger_account_id uuid not null references accounts(id),
      statement_date date not null,
      statement_balance_minor bigint not null,
      ledger_balance_minor bigint not null,
      difference_minor bigint not null,
      balanced boolean not null,
      created_by uuid references users(id),
      created_at timestamptz not null default now()
    );
    create index reconciliations_account on reconciliations (ledger_account_id, statement_date desc);
  `);
  // Existing entities get their Uncategorized account now; later ones get it on first use
  // (engine/banking/uncategorized.ts), so the seeded charts stay as they are.
  await knex.raw(`
    insert into accounts (entity_id, code, name, type, subtype, role, currency, description)
    select e.id, case when e.kind = 'llc' then '6999' else '5999' end, 'Uncategorized', 'expense', 'expense',
           'uncategorized', e.base_currency, 'Bank and imported transactions not categorised yet'
      from entities e
     where not exists (select 1 from accounts a where a.entity_id = e.id and a.role = 'uncategorized')
       and not exists (select 1 from accounts a where a.entity_id = e.id and a.code = case when e.kind = 'llc' then '6999' else '5999' end)
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists reconciliations, import_mappings, bank_transaction_revisions, bank_transactions,
      import_files, import_batches, bank_accounts, bank_items cascade;
  `);
}
