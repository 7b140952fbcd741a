import type { Knex } from 'knex';

/**
 * The commit-time check that a journal balances, in one index scan instead of two: the posting
 * count and the per-currency sums come from the same grouped read. The rules and the messages
 * are unchanged; a bulk import (every journal is checked once per row at commit) gets cheaper.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function sluice_assert_journal_balanced(jid uuid) returns void
    language plpgsql as $fn$
    declare
      posting_count int;
      unbalanced text;
    begin
      select coalesce(sum(n), 0), string_agg(currency || ' ' || total, ', ') filter (where total <> 0)
        into posting_count, unbalanced
        from (select currency, sum(amount_minor) as total, count(*) as n
                from postings where journal_id = jid group by currency) per_currency;
      if posting_count < 2 then
        raise exception using errcode = '23514', constraint = 'journal_min_postings',
          message = format('journal %s has %s posting(s); a journal needs at least two', jid, posting_count);
      end if;
      if unbalanced is not null then
        raise exception using errcode = '23514', constraint = 'journal_balanced',
          message = format('journal %s does not balance (minor units off: %s)', jid, unbalanced);
      end if;
    end
    $fn$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function sluice_assert_journal_balanced(jid uuid) returns void
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
  `);
}
