import type { Knex } from 'knex';

/**
 * Many writers at once, and posted means frozen — in the database:
 *
 * - A journal remembers the transaction that created it (`created_xact`, which must be the
 *   inserting transaction's own id: SQL cannot pick another), and a posting may only join a journal created by the transaction
 *   inserting it. Together with the immutability triggers this makes a journal's postings fixed
 *   at its commit, so the deferred balance check runs once per journal (not once per posting
 *   plus once per journal, as before).
 * - The postings' two composite foreign keys become one statement-level check over the
 *   inserted rows (same rules: the journal's entity and date, an account of the same entity and
 *   currency). A foreign key checks row by row and takes a KEY SHARE lock on each referenced
 *   account; those locks were half of the deadlocks between concurrent writers. Nothing can
 *   delete or re-key journals or accounts (triggers), so the locks protected nothing.
 * - Cached balances lock accounts FOR NO KEY UPDATE (enough to serialise balance updates, and
 *   it does not conflict with the KEY SHARE locks foreign keys to accounts still take).
 * - Ledger events: households without an enabled event flow skip the four-way join entirely.
 * - Flow runs move only forward; idempotency records can be completed once and deleted only
 *   after the retention period (the prune job).
 * - Two unique indexes on journals existed only as foreign-key targets: `(id, entity_id)` for
 *   "a reversal stays in its journal's entity" (now in the per-journal commit check) and
 *   `(id, entity_id, date)` for the transfer's journals (now a per-transfer commit check).
 */
/** Kept in step with `idempotencyRetentionDays` in engine/idempotency (the prune job). */
const idempotencyRetentionDays = 30;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Posted means frozen ------------------------------------------------------------------
    alter table journals add column created_xact xid8 not null default pg_current_xact_id();

    -- The check at commit, once per journal and in one pass per transaction: the first
    -- journal's deferred trigger checks every journal this transaction created and has not
    -- checked yet (balanced per currency, at least two postings, a reversal in the entity of
    -- the journal it reverses) and records how far it got; the others find themselves checked.
    -- The mark is transaction-local and names the transaction, and a checked journal takes no
    -- more postings (see sluice_check_new_postings), so a checked journal stays balanced.
    create index journals_created_xact on journals (created_xact);

    create function sluice_journals_checked_upto() returns bigint
    language plpgsql stable as $fn$
    declare
      mark text := current_setting('sluice.journals_checked', true);
      xact text := pg_current_xact_id()::text;
    begin
      if mark is null or mark not like xact || ':%' then
        return 0;
      end if;
      return split_part(mark, ':', 2)::bigint;
    end
    $fn$;

    create or replace function sluice_check_journal_postings() returns trigger
    language plpgsql as $fn$
    declare
      upto bigint := sluice_journals_checked_upto();
      newest bigint;
      bad record;
    begin
      if new.seq <= upto then
        return null;
      end if;
      select max(seq) into newest from journals where created_xact = pg_current_xact_id() and seq > upto;
      select j.id, coalesce(sum(s.n), 0) as posting_count,
             string_agg(s.currency || ' ' || s.total, ', ') filter (where s.total <> 0) as unbalanced
        into bad
        from journals j
        left join lateral (select p.currency, sum(p.amount_minor) as total, count(*) as n
                             from postings p where p.journal_id = j.id group by p.currency) s on true
       where j.created_xact = pg_current_xact_id() and j.seq > upto and j.seq <= newest
       group by j.id
      having coalesce(sum(s.n), 0) < 2 or bool_or(s.total <> 0)
       limit 1;
      if found and bad.posting_count < 2 then
        raise exception using errcode = '23514', constraint = 'journal_min_postings',
          message = format('journal %s has %s posting(s); a journal needs at least two', bad.id, bad.posting_count);
      elsif found then
        raise exception using errcode = '23514', constraint = 'journal_balanced',
          message = format('journal %s does not balance (minor units off: %s)', bad.id, bad.unbalanced);
      end if;
      select j.id, j.reverses_journal_id into bad
        from journals j join journals o on o.id = j.reverses_journal_id
       where j.created_xact = pg_current_xact_id() and j.seq > upto and j.seq <= newest
         and j.reverses_journal_id is not null and o.entity_id <> j.entity_id
       limit 1;
      if found then
        raise exception using errcode = '23503', constraint = 'journal_reverses_same_entity',
          message = format('journal %s reverses %s, which is not a journal of the same entity', bad.id, bad.reverses_journal_id);
      end if;
      perform set_config('sluice.journals_checked', pg_current_xact_id()::text || ':' || newest, true);
      return null;
    end
    $fn$;
    drop trigger postings_balanced on postings;
    drop function sluice_check_posting_journal();

    alter table journals drop constraint journals_reverses_journal_id_entity_id_fkey;
    alter table journals add constraint journals_reverses_journal_id_fkey
      foreign key (reverses_journal_id) references journals (id);
    alter table journals drop constraint journals_id_entity_id_key;
    -- Almost no journal is a reversal: index only those that are (a full unique index held a
    -- NULL entry for every journal).
    alter table journals drop constraint journals_reverses_journal_id_key;
    create unique index journals_reverses_journal_id_key on journals (reverses_journal_id) where reverses_journal_id is not null;

    -- The journal's entity exists: one set-based check per statement instead of a foreign key
    -- that checks and KEY SHARE-locks the entity row once per journal. Entities cannot lose
    -- their accounts (accounts are never deleted), so the lock protected nothing.
    alter table journals drop constraint journals_entity_id_fkey;
    create function sluice_check_new_journals() returns trigger
    language plpgsql as $fn$
    declare
      bad record;
    begin
      select n.id, n.entity_id, e.id is null as no_entity into bad
        from new_journals n left join entities e on e.id = n.entity_id
       where e.id is null or n.created_xact <> pg_current_xact_id()
       limit 1;
      if found and bad.no_entity then
        raise exception using errcode = '23503', constraint = 'journal_entity',
          message = format('journal refers to entity %s, which does not exist', bad.entity_id);
      elsif found then
        raise exception using errcode = '55000', constraint = 'journal_created_xact',
          message = format('journal %s: created_xact is set by the database to the inserting transaction', bad.id);
      end if;
      return null;
    end
    $fn$;
    create trigger journals_entity_exists after insert on journals
      referencing new table as new_journals
      for each statement execute function sluice_check_new_journals();

    -- A transfer's two journals exist, in its entities, on its date: checked once per transfer
    -- at commit (the journals are written after the transfer row), instead of through a
    -- three-column unique index on journals that every journal paid for.
    create function sluice_check_transfer_journals() returns trigger
    language plpgsql as $fn$
    begin
      if not exists (select 1 from journals j where j.id = new.from_journal_id and j.entity_id = new.from_entity_id and j.date = new.date)
         or not exists (select 1 from journals j where j.id = new.to_journal_id and j.entity_id = new.to_entity_id and j.date = new.date) then
        raise exception using errcode = '23503', constraint = 'transfer_journals',
          message = format('inter-entity transfer %s needs its two journals, one in each entity, dated %s', new.id, new.date);
      end if;
      return null;
    end
    $fn$;
    alter table inter_entity_transfers drop constraint inter_entity_transfers_from_journal_id_from_entity_id_date_fkey;
    alter table inter_entity_transfers drop constraint inter_entity_transfers_to_journal_id_to_entity_id_date_fkey;
    create constraint trigger inter_entity_transfers_have_journals after insert on inter_entity_transfers
      deferrable initially deferred for each row execute function sluice_check_transfer_journals();

    -- Postings belong to a journal of this transaction, in its entity and on its date, and to
    -- an account of the same entity and currency: one set-based check per statement.
    alter table postings drop constraint postings_journal_id_entity_id_date_fkey;
    alter table postings drop constraint postings_account_id_entity_id_currency_fkey;
    alter table journals drop constraint journals_id_entity_id_date_key;

    create function sluice_check_new_postings() returns trigger
    language plpgsql as $fn$
    declare
      bad record;
      checked_upto bigint := sluice_journals_checked_upto();
    begin
      -- Distinct (journal, entity, date) and (account, entity, currency) first: a batch has
      -- two postings per journal and a few dozen accounts.
      select p.journal_id,
             case
               when j.id is null then 'no_journal'
               when j.entity_id <> p.entity_id or j.date <> p.date then 'journal_mismatch'
               else 'journal_posted'
             end as problem
        into bad
        from (select distinct journal_id, entity_id, date from new_postings) p
        left join journals j on j.id = p.journal_id
       where j.id is null or j.entity_id <> p.entity_id or j.date <> p.date
          or j.created_xact <> pg_current_xact_id() or j.seq <= checked_upto
       limit 1;
      if found then
        case bad.problem
          when 'no_journal' then
            raise exception using errcode = '23503', constraint = 'posting_journal',
              message = format('posting refers to journal %s, which does not exist', bad.journal_id);
          when 'journal_mismatch' then
            raise exception using errcode = '23503', constraint = 'posting_journal',
              message = format('a posting must have the entity and date of its journal %s', bad.journal_id);
          else
            raise exception using errcode = '55000', constraint = 'posting_journal_open',
              message = format('journal %s is posted (or already checked); its postings are final: post a reversal or a new journal', bad.journal_id);
        end case;
      end if;
      select p.account_id, a.id is null as no_account into bad
        from (select distinct account_id, entity_id, currency from new_postings) p
        left join accounts a on a.id = p.account_id
       where a.id is null or a.entity_id <> p.entity_id or a.currency <> p.currency
       limit 1;
      if found and bad.no_account then
        raise exception using errcode = '23503', constraint = 'posting_account',
          message = format('posting refers to account %s, which does not exist', bad.account_id);
      elsif found then
        raise exception using errcode = '23503', constraint = 'posting_account',
          message = format('account %s belongs to another entity or holds another currency than the posting', bad.account_id);
      end if;
      return null;
    end
    $fn$;
    -- Named to fire before the other statement triggers on postings (they fire in name order).
    create trigger postings_belong_to_their_journal after insert on postings
      referencing new table as new_postings
      for each statement execute function sluice_check_new_postings();

    -- An account's id joins the fields that can never change (postings rely on it).
    create or replace function sluice_guard_account_balance() returns trigger
    language plpgsql as $fn$
    begin
      if new.balance_minor is distinct from old.balance_minor and pg_trigger_depth() < 2 then
        raise exception using errcode = '55000',
          message = 'accounts.balance_minor is derived from postings and cannot be set directly';
      end if;
      if new.id is distinct from old.id or new.type is distinct from old.type
         or new.entity_id is distinct from old.entity_id or new.currency is distinct from old.currency then
        raise exception using errcode = '55000',
          message = 'an account''s id, entity, type and currency cannot change';
      end if;
      return new;
    end
    $fn$;

    create or replace function sluice_apply_posting_balances() returns trigger
    language plpgsql as $fn$
    begin
      perform 1 from accounts where id in (select account_id from new_postings) order by id for no key update;
      update accounts a set balance_minor = a.balance_minor + delta.total
        from (select account_id, sum(amount_minor) as total from new_postings group by account_id) delta
       where a.id = delta.account_id;
      return null;
    end
    $fn$;

    create or replace function sluice_record_ledger_events() returns trigger
    language plpgsql as $fn$
    begin
      if not exists (select 1 from flows f
                      where f.enabled and f.archived_at is null and f.trigger_type = 'trigger.event'
                        and f.household_id in (select e.household_id from entities e
                                                where e.id in (select distinct entity_id from new_postings))) then
        return null;
      end if;
      insert into ledger_events (household_id, posting_id, journal_id, entity_id, account_id, amount_minor,
                                 currency, balance_before_minor, balance_after_minor, flow_run_id)
      select e.household_id, p.id, p.journal_id, p.entity_id, p.account_id, p.amount_minor, p.currency,
             a.balance_minor - p.later_minor - p.amount_minor, a.balance_minor - p.later_minor, j.flow_run_id
        from (select n.*,
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

    -- The audit chain: take the household's chain lock and read the chain's last hash in one
    -- round trip. A VOLATILE function's statements each take a fresh snapshot, so the read after
    -- the lock sees the row the previous holder appended (one statement doing both would not).
    create function sluice_audit_chain_head(household uuid) returns text
    language plpgsql volatile as $fn$
    declare
      last_hash text;
    begin
      perform pg_advisory_xact_lock(hashtextextended('audit:' || household::text, 0));
      select hash into last_hash from audit_log where household_id = household order by id desc limit 1;
      return last_hash;
    end
    $fn$;

    -- Flow runs move forward only --------------------------------------------------------
    create function sluice_guard_flow_run_status() returns trigger
    language plpgsql as $fn$
    begin
      if tg_op = 'DELETE' then
        raise exception using errcode = '55000', message = 'flow runs are the history of what moved money; they cannot be deleted';
      end if;
      if new.id is distinct from old.id or new.flow_id is distinct from old.flow_id
         or new.household_id is distinct from old.household_id or new.idempotency_key is distinct from old.idempotency_key then
        raise exception using errcode = '55000', message = 'a flow run''s id, flow, household and key cannot change';
      end if;
      if (old.status, new.status) in (
           ('planned', 'planned'), ('planned', 'awaiting_approval'), ('planned', 'committed'), ('planned', 'failed'),
           ('awaiting_approval', 'awaiting_approval'), ('awaiting_approval', 'committed'), ('awaiting_approval', 'rejected'),
           ('committed', 'reverted'), ('failed', 'failed')) then
        return new;
      end if;
      -- A failure that may pass (the database went away) is attempted again under the same key.
      if old.status = 'failed' and new.status = 'planned' and old.error->>'permanent' = 'false' then
        return new;
      end if;
      raise exception using errcode = '55000',
        message = format('a flow run cannot go from %s to %s', old.status, new.status);
    end
    $fn$;
    create trigger flow_runs_forward_only before update or delete on flow_runs
      for each row execute function sluice_guard_flow_run_status();
    create trigger flow_runs_no_truncate before truncate on flow_runs
      for each statement execute function sluice_forbid_change();

    -- Idempotency records: completed once, kept for the retention period ---------------------
    create function sluice_guard_idempotency_key() returns trigger
    language plpgsql as $fn$
    begin
      if tg_op = 'DELETE' then
        if old.created_at < now() - interval '${idempotencyRetentionDays} days' then
          return old;
        end if;
        raise exception using errcode = '55000',
          message = format('idempotency record %s is younger than ${idempotencyRetentionDays} days; a client may still retry with it', old.key);
      end if;
      if old.status_code = 0 and new.status_code <> 0 and new.household_id = old.household_id
         and new.key = old.key and new.request_hash = old.request_hash and new.created_at = old.created_at then
        return new;
      end if;
      raise exception using errcode = '55000', message = 'an idempotency record is written once, when its request completes';
    end
    $fn$;
    create trigger idempotency_keys_write_once before update or delete on idempotency_keys
      for each row execute function sluice_guard_idempotency_key();
    create trigger idempotency_keys_no_truncate before truncate on idempotency_keys
      for each statement execute function sluice_forbid_change();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop function sluice_audit_chain_head(uuid);
    drop trigger idempotency_keys_no_truncate on idempotency_keys;
    drop trigger idempotency_keys_write_once on idempotency_keys;
    drop function sluice_guard_idempotency_key();
    drop trigger flow_runs_no_truncate on flow_runs;
    drop trigger flow_runs_forward_only on flow_runs;
    drop function sluice_guard_flow_run_status();

    drop trigger postings_belong_to_their_journal on postings;
    drop function sluice_check_new_postings();
    alter table journals add constraint journals_id_entity_id_date_key unique (id, entity_id, date);
    drop trigger inter_entity_transfers_have_journals on inter_entity_transfers;
    drop function sluice_check_transfer_journals();
    alter table inter_entity_transfers
      add foreign key (from_journal_id, from_entity_id, date) references journals (id, entity_id, date) deferrable initially deferred,
      add foreign key (to_journal_id, to_entity_id, date) references journals (id, entity_id, date) deferrable initially deferred;
    alter table postings add foreign key (journal_id, entity_id, date) references journals (id, entity_id, date);
    alter table journals add constraint journals_id_entity_id_key unique (id, entity_id);
    drop trigger journals_entity_exists on journals;
    drop function sluice_check_new_journals();
    alter table journals add constraint journals_entity_id_fkey foreign key (entity_id) references entities (id);
    drop index journals_reverses_journal_id_key;
    alter table journals add constraint journals_reverses_journal_id_key unique (reverses_journal_id);
    alter table journals drop constraint journals_reverses_journal_id_fkey;
    alter table journals add constraint journals_reverses_journal_id_entity_id_fkey
      foreign key (reverses_journal_id, entity_id) references journals (id, entity_id);
    alter table postings add foreign key (account_id, entity_id, currency) references accounts (id, entity_id, currency);

    create function sluice_check_posting_journal() returns trigger
    language plpgsql as $fn$
    begin
      perform sluice_assert_journal_balanced(new.journal_id);
      return null;
    end
    $fn$;
    create constraint trigger postings_balanced after insert on postings
      deferrable initially deferred for each row execute function sluice_check_posting_journal();
    create or replace function sluice_check_journal_postings() returns trigger
    language plpgsql as $fn$
    begin
      perform sluice_assert_journal_balanced(new.id);
      return null;
    end
    $fn$;
    drop function sluice_journals_checked_upto();
    drop index journals_created_xact;
    alter table journals drop column created_xact;
  `);
}
