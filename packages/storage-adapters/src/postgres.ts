import { createHash } from 'node:crypto';
import { coreSchema, RapportError, type Schema, type Store } from '@rapport/core/store';
import { DataSource } from 'typeorm';
import { postgres } from './dialects/postgres.js';
import { entitySchemas } from './entities.js';
import { wrapError } from './errors.js';
import { Engine, silentLogger, type Session } from './engine.js';
import { SqlStore } from './sql-store.js';
import { migrationsFor, type MigrationSet } from './migration-plan.js';
import { coreMigrations } from './migrations/index.js';
import { MIGRATIONS_TABLE } from './naming.js';

export interface PostgresConnectionOptions {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  ssl?: boolean | Record<string, unknown>;
}

export interface PostgresStoreOptions {
  /** `postgres://user:pass@host:5432/db`; or give `options`. */
  url?: string;
  options?: PostgresConnectionOptions;
  /** The records kept (default: core's schema). */
  schema?: Schema;
  /** The PostgreSQL schema (namespace) holding Rapport's tables (default `public`); created by migrate(). */
  schemaName?: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** The migration set (default: the committed core migrations); for hosts and tests. */
  migrations?: MigrationSet;
}

interface PgQueryable {
  query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
}
interface PgNamedQueryable {
  query(config: {
    name?: string;
    text: string;
    values: unknown[];
    rowMode?: 'array';
  }): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
}
interface PgPool extends PgQueryable {
  connect(): Promise<PgQueryable & { release(err?: Error): void }>;
  /** The client class and connection options the pool opens connections with. */
  Client: new (options: unknown) => PgQueryable & { connect(): Promise<void>; end(): Promise<void> };
  options: unknown;
}

/**
 * Reads run as named prepared statements: each pooled connection parses and plans a query
 * shape once, which is most of the cost of a sub-millisecond indexed read. Shapes are few
 * (one per filter form), so the per-connection cache stays small. Not a full-text search: its
 * best plan depends on the word (walk the recency index for a common word, the GIN index for a
 * rare one, decision 0170), and after five runs PostgreSQL may keep one generic plan for every
 * word — a rare word walking a million rows. Those are planned with their word each time.
 */
const statementNames = new Map<string, string>();
function statementName(sql: string): string | undefined {
  if (!sql.startsWith('SELECT') || sql.length > 4000 || sql.includes('::tsquery')) return undefined;
  let name = statementNames.get(sql);
  if (!name && statementNames.size < 2000) statementNames.set(sql, (name = `rapport_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`));
  return name;
}

function pgSession(c: PgQueryable): Session {
  return {
    async query(sql, params = []) {
      const name = statementName(sql);
      const r = name ? await (c as unknown as PgNamedQueryable).query({ name, text: sql, values: params }) : await c.query(sql, params);
      return { rows: r.rows, affected: r.rowCount ?? 0 };
    },
    async queryValues(sql, params = []) {
      const r = await (c as unknown as PgNamedQueryable).query({ name: statementName(sql), text: sql, values: params, rowMode: 'array' });
      return r.rows as unknown as unknown[][];
    },
  };
}

class PostgresEngine extends Engine {
  constructor(
    private readonly pgSchema: string,
    ...rest: ConstructorParameters<typeof Engine>
  ) {
    super(...rest);
  }

  /** pg's own pool, opened and configured by TypeORM; statements skip TypeORM's per-query hooks. */
  private pool(): PgPool {
    return (this.dataSource.driver as unknown as { master: PgPool }).master;
  }

  private withPool<R>(fn: (s: Session) => Promise<R>): Promise<R> {
    return fn(pgSession(this.pool()));
  }

  read<R>(fn: (s: Session) => Promise<R>): Promise<R> {
    return this.withPool(fn);
  }

  protected queue<R>(fn: () => Promise<R>): Promise<R> {
    return fn();
  }

  protected autocommit<R>(fn: (s: Session) => Promise<R>): Promise<R> {
    return this.withPool(fn);
  }

  // READ COMMITTED: version checks live in the UPDATE's WHERE (re-checked after a row lock),
  // and nextSequence's upsert takes the counter's row lock until commit.
  protected async inTransaction<R>(fn: (s: Session) => Promise<R>): Promise<R> {
    const client = await this.pool()
      .connect()
      .catch((err: unknown) => {
        throw wrapError(this.adapter, 'transaction BEGIN', undefined, err);
      });
    const control = (sql: string) =>
      client.query(sql).catch((err: unknown) => {
        throw wrapError(this.adapter, `transaction ${sql}`, undefined, err);
      });
    let broken: unknown;
    try {
      await control('BEGIN');
      let result: R;
      try {
        result = await fn(pgSession(client));
      } catch (err) {
        await client.query('ROLLBACK').catch((e: unknown) => (broken = e));
        throw err;
      }
      await control('COMMIT');
      return result;
    } finally {
      client.release(broken as Error | undefined);
    }
  }

  /**
   * Several processes starting at once (app instances, a CLI beside a server) would each run
   * the pending migrations and all but one fail on "already exists". A session advisory lock,
   * per Rapport schema, makes them take turns; the later ones find nothing to do. The lock is
   * held on a connection of its own, outside the pool, so a pool of one can still migrate;
   * ending that session releases it, even if this process dies.
   */
  protected override async withMigrationLock<R>(fn: () => Promise<R>): Promise<R> {
    const pool = this.pool();
    const client = new pool.Client(pool.options);
    await client.connect().catch((err: unknown) => {
      throw wrapError(this.adapter, 'migrate (lock)', undefined, err);
    });
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [`rapport:migrate:${this.pgSchema}`]).catch((err: unknown) => {
        throw wrapError(this.adapter, 'migrate (lock)', undefined, err);
      });
      return await fn();
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  protected override async beforeMigrate() {
    await this.withPool((s) => s.query(`CREATE SCHEMA IF NOT EXISTS ${this.dialect.q(this.pgSchema)}`));
  }

  protected async tableExists(s: Session, name: string): Promise<boolean> {
    const { rows } = await s.query(`SELECT 1 AS x FROM pg_tables WHERE schemaname = $1 AND tablename = $2`, [this.pgSchema, name]);
    return rows.length > 0;
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

function connection(o: PostgresConnectionOptions) {
  const out: Record<string, unknown> = { host: o.host, port: o.port, username: o.user, password: o.password, database: o.database, ssl: o.ssl };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/** PostgreSQL 13+ through TypeORM and pg, with a connection pool. */
export function postgresStore(options: PostgresStoreOptions): Store {
  if (!options.url && !options.options) throw new RapportError('VALIDATION', 'postgresStore needs url or options');
  const schema = options.schema ?? coreSchema;
  const migrations = options.migrations ?? coreMigrations;
  const pgSchema = options.schemaName ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(pgSchema)) {
    throw new RapportError('VALIDATION', `postgresStore: schemaName must be a lower-case identifier (got ${JSON.stringify(pgSchema)})`);
  }
  const dataSource = new DataSource({
    type: 'postgres',
    ...(options.url ? { url: options.url } : {}),
    ...(options.options ? connection(options.options) : {}),
    schema: pgSchema,
    entities: entitySchemas(schema, postgres.name),
    migrations: migrationsFor(migrations, postgres),
    migrationsTableName: MIGRATIONS_TABLE,
    logger: silentLogger,
    synchronize: false,
    poolSize: options.poolSize ?? 10,
    // Unqualified names in the store's SQL and in the migrations resolve to this schema.
    extra: { options: `-c search_path=${pgSchema}` },
  });
  const engine = new PostgresEngine(pgSchema, 'postgresStore', postgres, schema, dataSource, migrations);
  return new SqlStore(engine);
}
