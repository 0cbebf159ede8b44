import pg from 'pg';

/** The PostgreSQL the tests use: RAPPORT_TEST_PG_URL, else the local server with trust auth. */
export const PG_URL = process.env.RAPPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const HOW_TO_START = 'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start ' + '(or point RAPPORT_TEST_PG_URL at a server)';

/** A fresh connection to the test server; fails (never skips) with how to start one. */
export async function pgClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: PG_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL at ${PG_URL} does not answer (${(err as Error).message}); ${HOW_TO_START}`, { cause: err });
  }
  return client;
}

/** A unique schema name for one test file (or one test). */
export function uniqueSchemaName(prefix = 't'): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
}

/** Creates (or empties) a PostgreSQL schema. */
export async function createPgSchema(name: string): Promise<void> {
  const c = await pgClient();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await c.query(`CREATE SCHEMA "${name}"`);
  } finally {
    await c.end();
  }
}

export async function dropPgSchema(name: string): Promise<void> {
  const c = await pgClient();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await c.end();
  }
}

/** snake_case column → camelCase field, for raw rows read back through plain SQL. */
export function fieldsOf(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), v]));
}
