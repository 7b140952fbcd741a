import type { Knex } from 'knex';

/**
 * Scheduling and events: who a flow runs as when nobody is watching, which trigger kind it
 * has, runs that were skipped or are retried, and the ledger-event outbox that lets every
 * posting path (manual, import, bank sync, another flow) fire event-triggered flows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table flows
      add column trigger_type text,
      add column enabled_by uuid references users(id),
      add column enabled_at timestamptz;

    alter table flow_runs drop constraint flow_runs_status_check;
    alter table flow_runs add constraint flow_runs_status_check
      check (status in ('planned', 'awaiting_approval', 'committed', 'failed', 'rejected', 'reverted', 'skipped'));
    alter table flow_runs add column attempts int not null default 1;

    -- Written by the database in the same transaction as the postings, so no posting path can
    -- forget it and nothing is announced that did not commit. Only households with an enabled
    -- event flow pay for it.
    create table ledger_events (
      id bigint generated always as identity primary key,
      household_id uuid not null references households(id),
      posting_id bigint not null,
      journal_id uuid not null,
      entity_id uuid not null,
      account_id uuid not null,
      amount_minor bigint not null,
      currency char(3) not null,
      balance_before_minor bigint not null,
      balance_after_minor bigint not null,
      flow_run_id uuid,
      created_at timestamptz not null default now(),
      -- A dispatcher claims rows, fires flows outside any long transaction, then marks them.
      claimed_at timestamptz,
      processed_at timestamptz
    );
    create index ledger_events_pending on ledger_events (id) where processed_at is null;

    create function sluice_record_ledger_events() returns trigger
    language plpgsql as $fn$
    begin
      insert into ledger_events (household_id, posting_id, journal_id, entity_id, account_id, amount_minor,
                                 currency, balance_before_minor, balance_after_minor, flow_run_id)
      select e.household_id, p.id, p.journal_id, p.entity_id, p.account_id, p.amount_minor, p.currency,
             a.balance_minor - delta.total, a.balance_minor, j.flow_run_id
        from new_postings p
        join entities e on e.id = p.entity_id
        join accounts a on a.id = p.account_id
        join journals j on j.id = p.journal_id
        join (select account_id, sum(amount_minor) as total from new_postings group by account_id) delta
          on delta.account_id = p.account_id
       where exists (select 1 from flows f
                      where f.household_id = e.household_id and f.enabled and f.archived_at is null
                        and f.trigger_type = 'trigger.event')
       order by p.id;
      return null;
    end
    $fn$;
    -- Named to fire after postings_cached_balances (triggers fire in name order), so the
    -- balances it reads already include this statement.
    create trigger postings_record_ledger_events after insert on postings
      referencing new table as new_postings
      for each statement execute function sluice_record_ledger_events();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger if exists postings_record_ledger_events on postings;
    drop function if exists sluice_record_ledger_events();
    drop table if exists ledger_events;
    alter table flow_runs drop column if exists attempts;
    alter table flow_runs drop constraint flow_runs_status_check;
    alter table flow_runs add constraint flow_runs_status_check
      check (status in ('planned', 'awaiting_approval', 'committed', 'failed', 'rejected', 'reverted'));
    alter table flows drop column if exists enabled_at, drop column if exists enabled_by, drop column if exists trigger_type;
  `);
}
