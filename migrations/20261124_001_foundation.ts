import type { Knex } from 'knex';

/**
 * Foundation schema: households and users, entities and their charts of accounts, the
 * double-entry ledger, inter-entity transfers, idempotency keys and the hash-chained audit log.
 *
 * The database enforces the ledger's rules itself, so a bug or a hand-written SQL statement
 * cannot break them:
 *  - a posting can only touch an account of its journal's entity (composite foreign keys);
 *  - a journal's postings sum to zero per currency, and there are at least two (deferred
 *    constraint triggers, checked at commit);
 *  - posted journals, postings, transfers and audit rows are never updated or deleted;
 *  - cached account balances move only with postings, in the same statement.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table households (
      id uuid primary key default gen_random_uuid(),
      name text not null check (length(name) between 1 and 200),
      created_at timestamptz not null default now()
    );

    create table users (
      id uuid primary key default gen_random_uuid(),
      email text not null check (length(email) between 3 and 254),
      password_hash text not null,
      created_at timestamptz not null default now()
    );
    create unique index users_email_key on users (lower(email));

    create table household_members (
      household_id uuid not null references households(id),
      user_id uuid not null references users(id),
      role text not null check (role in ('owner', 'member', 'viewer')),
      created_at timestamptz not null default now(),
      primary key (household_id, user_id)
    );
    create index household_members_user on household_members (user_id);

    -- One row per login; refresh tokens rotate inside it. Reusing a rotated token revokes it.
    create table auth_sessions (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users(id),
      household_id uuid not null references households(id),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz,
      revoke_reason text
    );
    create table refresh_tokens (
      token_hash text primary key,
      session_id uuid not null references auth_sessions(id),
      issued_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    );
    create index refresh_tokens_session on refresh_tokens (session_id);

    create table entities (
      id uuid primary key default gen_random_uuid(),
      household_id uuid not null references households(id),
      kind text not null check (kind in ('personal', 'llc')),
      name text not null check (length(name) between 1 and 120),
      slug text not null check (slug ~ '^[a-z][a-z0-9-]{0,31}$'),
      base_currency char(3) not null default 'USD',
      created_at timestamptz not null default now(),
      unique (household_id, slug),
      unique (id, household_id)
    );

    create table accounts (
      id uuid primary key default gen_random_uuid(),
      entity_id uuid not null references entities(id),
      code text not null check (code ~ '^[0-9A-Za-z.-]{1,20}$'),
      name text not null check (length(name) between 1 and 120),
      type text not null check (type in ('asset', 'liability', 'equity', 'income', 'expense')),
      subtype text not null,
      role text check (role ~ '^[a-z_]{1,40}$'),
      counterparty_entity_id uuid references entities(id),
      currency char(3) not null,
      allow_overdraft boolean not null default false,
      schedule_c_line text,
      description text check (length(description) <= 500),
      archived_at timestamptz,
      balance_minor bigint not null default 0,
      created_at timestamptz not null default now(),
      unique (entity_id, code),
      unique (id, entity_id),
      unique (id, entity_id, currency),
      check (counterparty_entity_id is null or counterparty_entity_id <> entity_id),
      check (
        (type = 'asset' and subtype in ('checking', 'savings', 'money_market', 'cash', 'brokerage',
                                        'retirement', 'receivable', 'other_asset'))
        or (type = 'liability' and subtype in ('credit_card', 'loan', 'mortgage', 'payable',
                                               'other_liability'))
        or (type = 'equity' and subtype = 'equity')
        or (type = 'income' and subtype = 'income')
        or (type = 'expense' and subtype = 'expense')
      )
    );
    -- Roles name the accounts inter-entity transfers book to; one per (entity, role, counterparty).
    create unique index accounts_role_key on accounts
      (entity_id, role, coalesce(counterparty_entity_id, '00000000-0000-0000-0000-000000000000'))
      where role is not null;

    create table inter_entity_transfers (
      id uuid primary key default gen_random_uuid(),
      household_id uuid not null references households(id),
      kind text not null check (kind in ('owner_draw', 'capital_contribution', 'member_loan',
                                         'loan_repayment', 'reimbursement', 'expense_paid_for')),
      date date not null,
      from_entity_id uuid not null,
      to_entity_id uuid not null,
      from_account_id uuid not null,
      to_account_id uuid not null,
      amount_minor bigint not null check (amount_minor > 0 and amount_minor <= 1000000000000000),
      interest_minor bigint not null default 0 check (interest_minor >= 0),
      currency char(3) not null,
      purpose text not null check (length(btrim(purpose)) between 3 and 500),
      document_ref text check (length(document_ref) <= 500),
      approved_by uuid references users(id),
      flow_run_id uuid,
      from_journal_id uuid not null,
      to_journal_id uuid not null,
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      check (from_entity_id <> to_entity_id),
      check (interest_minor < amount_minor),
      foreign key (from_entity_id, household_id) references entities (id, household_id),
      foreign key (to_entity_id, household_id) references entities (id, household_id),
      foreign key (from_account_id, from_entity_id) references accounts (id, entity_id),
      foreign key (to_account_id, to_entity_id) references accounts (id, entity_id)
    );
    create index inter_entity_transfers_household on inter_entity_transfers (household_id, date);

    create table journals (
      id uuid primary key default gen_random_uuid(),
      seq bigint generated always as identity,
      entity_id uuid not null references entities(id),
      date date not null,
      memo text not null default '' check (length(memo) <= 500),
      payee text check (length(payee) <= 200),
      source text not null check (source in ('manual', 'inter_entity', 'flow', 'import', 'bank',
                                             'demo', 'reversal', 'opening')),
      reverses_journal_id uuid unique,
      inter_entity_transfer_id uuid references inter_entity_transfers(id) deferrable initially deferred,
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      unique (id, entity_id),
      unique (id, entity_id, date),
      -- A reversal stays in the entity of the journal it reverses.
      foreign key (reverses_journal_id, entity_id) references journals (id, entity_id),
      check (reverses_journal_id is null or reverses_journal_id <> id)
    );
    create index journals_entity_date on journals (entity_id, date, seq);
    -- Household-wide exports page through all journals in (date, seq) order.
    create index journals_date_seq on journals (date, seq);
    create index journals_transfer on journals (inter_entity_transfer_id) where inter_entity_transfer_id is not null;

    alter table inter_entity_transfers
      add foreign key (from_journal_id, from_entity_id, date) references journals (id, entity_id, date)
        deferrable initially deferred,
      add foreign key (to_journal_id, to_entity_id, date) references journals (id, entity_id, date)
        deferrable initially deferred;

    create table postings (
      id bigint generated always as identity primary key,
      journal_id uuid not null,
      entity_id uuid not null,
      date date not null,
      account_id uuid not null,
      amount_minor bigint not null
        check (amount_minor <> 0 and amount_minor between -1000000000000000 and 1000000000000000),
      currency char(3) not null,
      memo text check (length(memo) <= 500),
      -- Same entity and date as the journal; an account of the same entity and currency.
      foreign key (journal_id, entity_id, date) references journals (id, entity_id, date),
      foreign key (account_id, entity_id, currency) references accounts (id, entity_id, currency)
    );
    create index postings_account_date on postings (account_id, date, id);
    create index postings_journal on postings (journal_id);

    create table idempotency_keys (
      household_id uuid not null references households(id),
      key text not null check (length(key) between 1 and 255),
      request_hash text not null,
      status_code int not null,
      response_body jsonb not null,
      created_at timestamptz not null default now(),
      primary key (household_id, key)
    );

    create table audit_log (
      id bigint generated always as identity primary key,
      household_id uuid references households(id),
      actor_user_id uuid,
      action text not null,
      resource_type text not null,
      resource_id text not null,
      before jsonb,
      after jsonb,
      occurred_at timestamptz not null,
      prev_hash text,
      hash text not null unique
    );
    create index audit_log_household on audit_log (household_id, id);

    -- Balanced journals, checked at commit so postings can be inserted one statement at a time.
    create function sluice_assert_journal_balanced(jid uuid) returns void
    language plpgsql as $fn$
    declare
      posting_count int;
      unbalanced text;
    begin
      select count(*) into posting_count from postings where journal_id = jid;
      if posting_count < 2 then
        raise exception using errcode = '23514', constraint = 'journal_min_postings',
          message = format('journal %s has %s posting(s); a journal needs at least two', jid, posting_count);
      end if;
      select string_agg(currency || ' ' || total, ', ') into unbalanced
        from (select currency, sum(amount_minor) as total from postings
               where journal_id = jid group by currency having sum(amount_minor) <> 0) off_balance;
      if unbalanced is not null then
        raise exception using errcode = '23514', constraint = 'journal_balanced',
          message = format('journal %s does not balance (minor units off: %s)', jid, unbalanced);
      end if;
    end
    $fn$;

    create function sluice_check_posting_journal() returns trigger
    language plpgsql as $fn$
    begin
      perform sluice_assert_journal_balanced(new.journal_id);
      return null;
    end
    $fn$;
    create constraint trigger postings_balanced after insert on postings
      deferrable initially deferred for each row execute function sluice_check_posting_journal();

    create function sluice_check_journal_postings() returns trigger
    language plpgsql as $fn$
    begin
      perform sluice_assert_journal_balanced(new.id);
      return null;
    end
    $fn$;
    create constraint trigger journals_have_postings after insert on journals
      deferrable initially deferred for each row execute function sluice_check_journal_postings();

    -- Immutability of the books: corrections are reversal journals, never edits.
    create function sluice_forbid_change() returns trigger
    language plpgsql as $fn$
    begin
      raise exception using errcode = '55000',
        message = format('%s rows are immutable (%s refused): post a reversal instead', tg_table_name, tg_op);
    end
    $fn$;
    create trigger journals_immutable before update or delete on journals
      for each row execute function sluice_forbid_change();
    create trigger journals_no_truncate before truncate on journals
      for each statement execute function sluice_forbid_change();
    create trigger postings_immutable before update or delete on postings
      for each row execute function sluice_forbid_change();
    create trigger postings_no_truncate before truncate on postings
      for each statement execute function sluice_forbid_change();
    create trigger transfers_immutable before update or delete on inter_entity_transfers
      for each row execute function sluice_forbid_change();
    create trigger audit_log_immutable before update or delete on audit_log
      for each row execute function sluice_forbid_change();

    -- Cached balances: one grouped update per statement (a per-row update of a hot account
    -- row is quadratic in practice). Accounts are locked in id order to avoid deadlocks.
    create function sluice_apply_posting_balances() returns trigger
    language plpgsql as $fn$
    begin
      perform 1 from accounts where id in (select account_id from new_postings) order by id for update;
      update accounts a set balance_minor = a.balance_minor + delta.total
        from (select account_id, sum(amount_minor) as total from new_postings group by account_id) delta
       where a.id = delta.account_id;
      return null;
    end
    $fn$;
    create trigger postings_cached_balances after insert on postings
      referencing new table as new_postings
      for each statement execute function sluice_apply_posting_balances();

    -- The cached balance may change only from the postings trigger above (trigger depth 2).
    create function sluice_guard_account_balance() returns trigger
    language plpgsql as $fn$
    begin
      if new.balance_minor is distinct from old.balance_minor and pg_trigger_depth() < 2 then
        raise exception using errcode = '55000',
          message = 'accounts.balance_minor is derived from postings and cannot be set directly';
      end if;
      if new.type is distinct from old.type or new.entity_id is distinct from old.entity_id
         or new.currency is distinct from old.currency then
        raise exception using errcode = '55000',
          message = 'an account''s entity, type and currency cannot change';
      end if;
      return new;
    end
    $fn$;
    create trigger accounts_balance_guard before update on accounts
      for each row execute function sluice_guard_account_balance();
    create trigger accounts_no_delete before delete on accounts
      for each row execute function sluice_forbid_change();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists audit_log, idempotency_keys, postings cascade;
    drop table if exists journals, inter_entity_transfers, accounts, entities cascade;
    drop table if exists refresh_tokens, auth_sessions, household_members, users, households cascade;
    drop function if exists sluice_apply_posting_balances, sluice_guard_account_balance,
      sluice_forbid_change, sluice_check_journal_postings, sluice_check_posting_journal,
      sluice_assert_journal_balanced;
  `);
}
