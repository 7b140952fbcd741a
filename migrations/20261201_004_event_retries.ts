import type { Knex } from 'knex';

/**
 * Ledger events, corrected:
 * - balances before/after are per posting, in posting order, so one statement that posts two
 *   journals out of the same account (a flow paying rent and savings) reports the crossing of a
 *   threshold once, on the posting that crossed it, instead of twice;
 * - an event whose run failed for a passing reason is handed back to the dispatcher, which
 *   counts the attempts and gives up (with an alert) after a limit.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table ledger_events add column attempts int not null default 0;

    create or replace function sluice_record_ledger_events() returns trigger
    language plpgsql as $fn$
    begin
      insert into ledger_events (household_id, posting_id, journal_id, entity_id, account_id, amount_minor,
                                 currency, balance_before_minor, balance_after_minor, flow_run_id)
      select e.household_id, p.id, p.journal_id, p.entity_id, p.account_id, p.amount_minor, p.currency,
             a.balance_minor - p.later_minor - p.amount_minor, a.balance_minor - p.later_minor, j.flow_run_id
        from (select n.*,
                     -- what this statement still posts to the account after this posting
                     coalesce(sum(n.amount_minor) over (partition by n.account_id order by n.id
                              rows between 1 following and unbounded following), 0) as later_minor
                from new_postings n) p
        join entities e on e.id = p.entity_id
        join accounts a on a.id = p.account_id
        join journals j on j.id = p.journal_id
       where exists (select 1 from flows f
                      where f.household_id = e.household_id and f.enabled and f.archived_at is null
                        and f.trigger_type = 'trigger.event')
       order by p.id;
      return null;
    end
    $fn$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function sluice_record_ledger_events() returns trigger
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
    alter table ledger_events drop column attempts;
  `);
}
