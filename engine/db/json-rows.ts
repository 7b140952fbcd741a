import type { Knex } from 'knex';

/**
 * Bulk inserts that send their rows as one JSON parameter, expanded on the server by
 * `json_to_recordset`: one parse and one plan per statement whatever the row count, no
 * bind-parameter limit, and far less work in the driver than a VALUES list with a parameter per
 * cell. Rows are inserted in the order given (`with ordinality`), so RETURNING comes back in
 * that order. Amounts travel as strings: JSON numbers lose precision above 2^53.
 */
export type ColumnTypes = Readonly<Record<string, string>>;

function sqlName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not an SQL name: ${name}`);
  return name;
}

/** `insert into table (…) select … from json_to_recordset(?)` for the given columns and types. */
export function jsonInsertSql(table: string, columns: ColumnTypes, returning?: string): string {
  const names = Object.keys(columns).map(sqlName).join(', ');
  const definitions = Object.entries(columns).map(([name, type]) => `${sqlName(name)} ${type}`).join(', ');
  return `insert into ${sqlName(table)} (${names}) select ${names} from rows from (json_to_recordset(?::json) as (${definitions})) with ordinality as r(${names}, n) order by n${returning ? ` returning ${returning}` : ''}`;
}

/** Inserts `rows` in statements of at most `rowsPerStatement`; each row has the columns' keys. */
export async function insertJsonRows(trx: Knex.Transaction, table: string, columns: ColumnTypes, rows: readonly object[], rowsPerStatement = 20_000): Promise<void> {
  const sql = jsonInsertSql(table, columns);
  for (let start = 0; start < rows.length; start += rowsPerStatement) await trx.raw(sql, [JSON.stringify(rows.slice(start, start + rowsPerStatement))]);
}
