import type { Knex } from 'knex';

/**
 * Flows: versioned graphs, their runs (an idempotent state machine), and what runs leave behind
 * besides journals: envelope assignments for the budget and in-app alerts.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table flows (
      id uuid primary key default gen_random_uuid(),
      household_id uuid not null references households(id),
      name text not null check (length(name) between 1 and 120),
      description text check (length(description) <= 1000),
      current_version int not null default 1,
      enabled boolean not null default false,
      template_id text,
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      archived_at timestamptz,
      unique (id, household_id)
    );
    create index flows_household on flows (household_id) where archived_at is null;

    -- Every save is a new immutable version; runs point at the version they ran.
    create table flow_versions (
      flow_id uuid not null references flows(id),
      version int not null check (version >= 1),
      graph jsonb not null,
      settings jsonb not null,
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      primary key (flow_id, version)
    );
    create trigger flow_versions_immutable before update or delete on flow_versions
      for each row execute function sluice_forbid_change();

    create table flow_runs (
      id uuid primary key default gen_random_uuid(),
      flow_id uuid not null,
      household_id uuid not null,
      version int not null,
      -- The trigger occurrence or the client's Idempotency-Key: one run per key, ever.
      idempotency_key text not null check (length(idempotency_key) between 1 and 255),
      request_hash text not null,
      status text not null check (status in ('planned', 'awaiting_approval', 'committed', 'failed', 'rejected', 'reverted')),
      trigger jsonb not null,
      plan jsonb,
      error jsonb,
      started_at timestamptz not null default clock_timestamp(),
      finished_at timestamptz,
      duration_ms int,
      created_by uuid references users(id),
      approved_by uuid references users(id),
      approved_at timestamptz,
      reverted_by uuid references users(id),
      reverted_at timestamptz,
      unique (flow_id, idempotency_key),
      foreign key (flow_id, household_id) references flows (id, household_id),
      foreign key (flow_id, version) references flow_versions (flow_id, version)
    );
    create index flow_runs_flow on flow_runs (flow_id, started_at desc);

    alter table journals add column flow_run_id uuid references flow_runs(id);
    create index journals_flow_run on journals (flow_run_id) where flow_run_id is not null;
    alter table inter_entity_transfers add foreign key (flow_run_id) references flow_runs(id);

    -- Money given a job by a flow's assign_envelope node; the budget board adds these up.
    create table envelope_assignments (
      id uuid primary key default gen_random_uuid(),
      entity_id uuid not null references entities(id),
      category_account_id uuid not null,
      month char(7) not null check (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      amount_minor bigint not null check (amount_minor <> 0),
      currency char(3) not null,
      flow_run_id uuid references flow_runs(id),
      reverses_assignment_id uuid unique references envelope_assignments(id),
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      foreign key (category_account_id, entity_id, currency) references accounts (id, entity_id, currency)
    );
    create index envelope_assignments_entity_month on envelope_assignments (entity_id, month);
    create trigger envelope_assignments_immutable before update or delete on envelope_assignments
      for each row execute function sluice_forbid_change();

    create table alerts (
      id uuid primary key default gen_random_uuid(),
      household_id uuid not null references households(id),
      kind text not null check (kind in ('flow_alert', 'run_failed', 'awaiting_approval', 'low_balance', 'system')),
      level text not null check (level in ('info', 'warning', 'critical')),
      message text not null check (length(message) <= 1000),
      flow_id uuid references flows(id),
      flow_run_id uuid references flow_runs(id),
      created_at timestamptz not null default now(),
      read_at timestamptz
    );
    create index alerts_household on alerts (household_id, created_at desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists alerts, envelope_assignments cascade;
    alter table inter_entity_transfers drop constraint if exists inter_entity_transfers_flow_run_id_fkey;
    drop index if exists journals_flow_run;
    alter table journals drop column if exists flow_run_id;
    drop table if exists flow_runs, flow_versions, flows cascade;
  `);
}
