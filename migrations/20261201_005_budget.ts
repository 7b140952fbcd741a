import type { Knex } from 'knex';

/**
 * The zero-based budget board per entity, built on envelope_assignments (migration 002):
 * - assignments say where they came from (a flow run, the board, a move, a quick action, a reset);
 *   they stay append-only: setting a cell writes the difference, a reset writes the offsets;
 * - money held for next month, per entity and month;
 * - the board's layout (category groups, order, hidden) and each category's target.
 * A category is an expense account of the entity, or one of its credit cards (the card's payment
 * category carries the card's account id).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table envelope_assignments
      add column source text not null default 'flow'
        check (source in ('flow', 'board', 'move', 'quick', 'reset')),
      add column memo text check (length(memo) <= 200);
    -- A manual assignment has no run; a flow's has one (its offsets, made by a revert, point back instead).
    alter table envelope_assignments
      add constraint envelope_assignments_flow_has_run
        check (source <> 'flow' or flow_run_id is not null or reverses_assignment_id is not null);

    create table budget_months (
      entity_id uuid not null references entities(id),
      month char(7) not null check (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      held_minor bigint not null default 0 check (held_minor between 0 and 1000000000000000),
      updated_by uuid references users(id),
      updated_at timestamptz not null default now(),
      primary key (entity_id, month)
    );

    create table budget_category_groups (
      id uuid primary key default gen_random_uuid(),
      entity_id uuid not null references entities(id),
      name text not null check (length(btrim(name)) between 1 and 80),
      sort_order int not null check (sort_order between 0 and 10000),
      hidden boolean not null default false,
      created_at timestamptz not null default now(),
      unique (id, entity_id)
    );
    create index budget_category_groups_entity on budget_category_groups (entity_id, sort_order);

    create table budget_categories (
      account_id uuid primary key,
      entity_id uuid not null,
      group_id uuid,
      sort_order int not null default 0 check (sort_order between 0 and 10000),
      hidden boolean not null default false,
      target_kind text check (target_kind in ('monthly', 'by_date', 'savings_goal')),
      target_amount_minor bigint check (target_amount_minor > 0 and target_amount_minor <= 1000000000000000),
      target_month char(7) check (target_month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      updated_at timestamptz not null default now(),
      -- The category is an account of this entity; its group too.
      foreign key (account_id, entity_id) references accounts (id, entity_id),
      foreign key (group_id, entity_id) references budget_category_groups (id, entity_id),
      check ((target_kind is null) = (target_amount_minor is null)),
      check (case when target_kind = 'by_date' then target_month is not null else target_month is null end)
    );
    create index budget_categories_entity on budget_categories (entity_id);

    -- Only expense accounts and credit cards are categories.
    create function sluice_check_budget_category() returns trigger
    language plpgsql as $fn$
    begin
      if not exists (select 1 from accounts a where a.id = new.account_id
                      and (a.type = 'expense' or (a.type = 'liability' and a.subtype = 'credit_card'))) then
        raise exception using errcode = '23514', constraint = 'budget_category_kind',
          message = 'a budget category is an expense account or a credit card';
      end if;
      return new;
    end
    $fn$;
    create trigger budget_categories_kind before insert or update on budget_categories
      for each row execute function sluice_check_budget_category();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists budget_categories, budget_category_groups, budget_months cascade;
    drop function if exists sluice_check_budget_category;
    alter table envelope_assignments drop constraint if exists envelope_assignments_flow_has_run;
    alter table envelope_assignments drop column if exists memo, drop column if exists source;
  `);
}
