/**
 * Preloaded into the scheduler benchmark's worker processes (node --require): counts the SQL
 * statements the process sends through `pg` (knex and Agenda both use it) and writes the count to
 * BENCH_STATEMENTS_FILE when the process exits. Loaded with CommonJS `require`, it patches the
 * same `pg` module the ESM code imports.
 */
const { writeFileSync } = require('node:fs');

const target = process.env.BENCH_STATEMENTS_FILE;
if (target) {
  const pg = require(require.resolve('pg', { paths: [process.cwd()] }));
  const query = pg.Client.prototype.query;
  let statements = 0;
  pg.Client.prototype.query = function countedQuery(...args) {
    statements += 1;
    return query.apply(this, args);
  };
  process.on('exit', () => writeFileSync(target, String(statements)));
}
