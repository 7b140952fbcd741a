import type { Knex } from 'knex';

/**
 * Reports: a monthly per-account summary of postings, kept by the database in the same
 * statement as the postings themselves, so statements over years of books read a few hundred
 * summary rows plus the postings of at most two partial months instead of every posting.
 *
 * Postings are insert-only (updates, deletes and truncation are refused), so an insert trigger
 * is all it takes to keep the summary equal to `SUM(postings)` per (account, month). It is a
 * statement-level trigger with one grouped upsert, like the cached balances: a row-level one
 * would update the same hot summary row once per posting. It is named to fire after
 * `postings_cached_balances`, which has already locked the statement's accounts in id order, so
 * two writers never take summary-row locks in opposite orders.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table account_monthly_totals (
      account_id uuid not null references accounts(id),
      entity_id uuid not null references entities(id),
      -- first day of the month
      month date not null check (extract(day from month) = 1),
      currency char(3) not null,
      debit_minor bigint not null default 0 check (debit_minor >= 0),
      credit_minor bigint not null default 0 check (credit_minor >= 0),
      -- debit-positive: debit_minor - credit_minor
      net_minor bigint not null default 0,
      posting_count bigint not null default 0,
      primary key (account_id, month),
      check (net_minor = debit_minor - credit_minor)
    );
    create index account_monthly_totals_entity on account_monthly_totals (entity_id, month);

    create function sluice_apply_monthly_totals() returns trigger
    language plpgsql as $fn$
    begin
      insert into account_monthly_totals as t (account_id, entity_id, month, currency, debit_minor, credit_minor, net_minor, posting_count)
      select account_id, entity_id, date_trunc('month', date)::date, currency,
             coalesce(sum(amount_minor) filter (where amount_minor > 0), 0),
             coalesce(-sum(amount_minor) filter (where amount_minor < 0), 0),
             sum(amount_minor), count(*)
        from new_postings
       group by account_id, entity_id, date_trunc('month', date)::date, currency
       order by account_id, 3
      on conflict (account_id, month) do update
         set debit_minor = t.debit_minor + excluded.debit_minor,
             credit_minor = t.credit_minor + excluded.credit_minor,
             net_minor = t.net_minor + excluded.net_minor,
             posting_count = t.posting_count + excluded.posting_count;
      return null;
    end
    $fn$;
    create trigger postings_monthly_totals after insert on postings
      referencing new table as new_postings
      for each statement execute function sluice_apply_monthly_totals();

    -- The summary is derived: only the trigger above writes it.
    create function sluice_guard_monthly_totals() returns trigger
    language plpgsql as $fn$
    begin
      if pg_trigger_depth() < 2 then
        raise exception using errcode = '55000',
          message = 'account_monthly_totals is derived from postings and cannot be changed directly';
      end if;
      return case when tg_op = 'DELETE' then old else new end;
    end
    $fn$;
    create trigger account_monthly_totals_guard before insert or update or delete on account_monthly_totals
      for each row execute function sluice_guard_monthly_totals();

    -- Books written before this migration.
    alter table account_monthly_totals disable trigger account_monthly_totals_guard;
    insert into account_monthly_totals (account_id, entity_id, month, currency, debit_minor, credit_minor, net_minor, posting_count)
    select account_id, entity_id, date_trunc('month', date)::date, currency,
           coalesce(sum(amount_minor) filter (where amount_minor > 0), 0),
           coalesce(-sum(amount_minor) filter (where amount_minor < 0), 0),
           sum(amount_minor), count(*)
      from postings
     group by account_id, entity_id, date_trunc('month', date)::date, currency;
    alter table account_monthly_totals enable trigger account_monthly_totals_guard;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger if exists postings_monthly_totals on postings;
    drop table if exists account_monthly_totals;
    drop function if exists sluice_apply_monthly_totals, sluice_guard_monthly_totals;
  `);
}
