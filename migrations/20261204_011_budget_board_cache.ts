import type { Knex } from 'knex';

/**
 * A version per entity of what its budget board is computed from, so an API process can keep
 * the board in memory and check with one primary-key read that nothing changed — also when
 * another process (or raw SQL) wrote. Two counters, so a process re-reads only what changed:
 *
 * - `ledger_version`: journals of the entity (a journal's postings are written in the
 *   transaction that creates it — migration 009 — so a new journal stands for its postings);
 * - `budget_version`: assignments, holds, categories (targets, layout), category groups and the
 *   entity's accounts (what they are to the budget, their names and codes).
 *
 * A process brings its copy up to date from the rows committed since the snapshot it last read
 * in: journals carry the transaction that created them (`created_xact`, migration 009), and so do
 * envelope assignments from here on (same rule: set by the database to the inserting
 * transaction), both append-only.
 *
 * Writers never wait for each other on these rows during their work: a statement only notes the
 * entities it changed in a transaction-local setting (no lock). The counters are raised once per
 * transaction at commit, by one deferred trigger, for all of its entities in entity-id order —
 * so two committing transactions lock version rows in the same order (no deadlock), and nothing
 * is locked after them. A reader that sees a version also sees everything committed before it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- No foreign key to entities: it would KEY SHARE-lock the entity row on every commit that
    -- creates a version row (entities are never deleted, so it protects nothing).
    create table budget_board_versions (
      entity_id uuid primary key,
      ledger_version bigint not null default 0,
      budget_version bigint not null default 0
    );

    -- One row per writing transaction while it runs: its insert queues the deferred trigger
    -- that raises the versions at commit, which deletes the row again. Unlogged: a row never
    -- outlives its transaction, so there is nothing to recover after a crash (and no WAL to write).
    create unlogged table budget_board_pending (
      xact xid8 primary key
    );

    -- Notes entity ids (part 'L' ledger, 'B' budget) in 'sluice.budget_touched' as
    -- '<xact>|L<uuid> B<uuid> …'; the first note of a transaction queues the commit-time raise.
    create function sluice_budget_touch(entity_ids uuid[], part text) returns void
    language plpgsql as $fn$
    declare
      this_xact text := pg_current_xact_id()::text;
      mark text := current_setting('sluice.budget_touched', true);
      entity uuid;
    begin
      if coalesce(cardinality(entity_ids), 0) = 0 then
        return; -- a statement that changed no row
      end if;
      if mark is null or mark not like this_xact || '|%' then
        mark := this_xact || '|';
        insert into budget_board_pending (xact) values (pg_current_xact_id()) on conflict do nothing;
      end if;
      foreach entity in array entity_ids loop
        if entity is not null and position(part || entity::text in mark) = 0 then
          mark := mark || part || entity::text || ' ';
        end if;
      end loop;
      perform set_config('sluice.budget_touched', mark, true);
    end
    $fn$;

    create function sluice_budget_raise_versions() returns trigger
    language plpgsql as $fn$
    declare
      this_xact text := pg_current_xact_id()::text;
      mark text := current_setting('sluice.budget_touched', true);
    begin
      if mark is not null and mark like this_xact || '|%' then
        insert into budget_board_versions as v (entity_id, ledger_version, budget_version)
        select substr(item, 2)::uuid, max((left(item, 1) = 'L')::int), max((left(item, 1) = 'B')::int)
          from unnest(string_to_array(substr(mark, length(this_xact) + 2), ' ')) as item
         where item <> ''
         group by 1
         order by 1
        on conflict (entity_id) do update
           set ledger_version = v.ledger_version + excluded.ledger_version,
               budget_version = v.budget_version + excluded.budget_version;
      end if;
      delete from budget_board_pending where xact = pg_current_xact_id();
      -- Cleared (not just emptied), so a change after an early SET CONSTRAINTS IMMEDIATE queues again.
      perform set_config('sluice.budget_touched', '', true);
      return null;
    end
    $fn$;
    create constraint trigger budget_board_pending_raise after insert on budget_board_pending
      deferrable initially deferred for each row execute function sluice_budget_raise_versions();

    -- Journals come in batches of thousands: one note per statement.
    create function sluice_budget_touch_journals() returns trigger
    language plpgsql as $fn$
    begin
      perform sluice_budget_touch(array(select distinct entity_id from new_journals), 'L');
      return null;
    end
    $fn$;
    create trigger journals_budget_touch after insert on journals
      referencing new table as new_journals
      for each statement execute function sluice_budget_touch_journals();

    -- Assignments remember their transaction, like journals; the rewrite gives existing rows the
    -- migration's own (long committed by the time anything reads them).
    alter table envelope_assignments add column created_xact xid8 not null default pg_current_xact_id();
    create index envelope_assignments_created_xact on envelope_assignments (created_xact);

    create function sluice_budget_touch_assignments() returns trigger
    language plpgsql as $fn$
    begin
      if exists (select 1 from new_assignments where created_xact <> pg_current_xact_id()) then
        raise exception using errcode = '55000', constraint = 'assignment_created_xact',
          message = 'envelope_assignments.created_xact is set by the database to the inserting transaction';
      end if;
      perform sluice_budget_touch(array(select distinct entity_id from new_assignments), 'B');
      return null;
    end
    $fn$;
    create trigger envelope_assignments_budget_touch after insert on envelope_assignments
      referencing new table as new_assignments
      for each statement execute function sluice_budget_touch_assignments();

    -- The small, mutable budget tables and accounts: a note per changed row.
    create function sluice_budget_touch_row() returns trigger
    language plpgsql as $fn$
    begin
      if tg_op = 'DELETE' then
        perform sluice_budget_touch(array[old.entity_id], 'B');
        return old;
      end if;
      perform sluice_budget_touch(array[new.entity_id], 'B');
      return new;
    end
    $fn$;
    create trigger budget_months_budget_touch after insert or update or delete on budget_months
      for each row execute function sluice_budget_touch_row();
    create trigger budget_categories_budget_touch after insert or update or delete on budget_categories
      for each row execute function sluice_budget_touch_row();
    create trigger budget_category_groups_budget_touch after insert or update or delete on budget_category_groups
      for each row execute function sluice_budget_touch_row();
    create trigger accounts_budget_touch_insert after insert on accounts
      for each row execute function sluice_budget_touch_row();
    -- Every posting updates its account's cached balance: only the fields the board shows count.
    create trigger accounts_budget_touch_update after update of code, name, type, subtype, currency, archived_at on accounts
      for each row
      when ((old.code, old.name, old.type, old.subtype, old.currency, old.archived_at)
            is distinct from (new.code, new.name, new.type, new.subtype, new.currency, new.archived_at))
      execute function sluice_budget_touch_row();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger if exists accounts_budget_touch_update on accounts;
    drop trigger if exists accounts_budget_touch_insert on accounts;
    drop trigger if exists budget_category_groups_budget_touch on budget_category_groups;
    drop trigger if exists budget_categories_budget_touch on budget_categories;
    drop trigger if exists budget_months_budget_touch on budget_months;
    drop trigger if exists envelope_assignments_budget_touch on envelope_assignments;
    drop trigger if exists journals_budget_touch on journals;
    drop trigger if exists budget_board_pending_raise on budget_board_pending;
    drop function if exists sluice_budget_touch_row(), sluice_budget_touch_assignments(), sluice_budget_touch_journals(),
      sluice_budget_raise_versions(), sluice_budget_touch(uuid[], text);
    drop table if exists budget_board_pending, budget_board_versions;
    drop index if exists envelope_assignments_created_xact;
    alter table envelope_assignments drop column if exists created_xact;
  `);
}
