import { coreSchema, type Schema, type Store } from '@rapport/core';
import { DataSource, type QueryRunner } from 'typeorm';
import { sqlite } from './dialect.js';
import { entitySchemas } from './entities.js';
import { wrapError } from './errors.js';
import { Engine, sessionOf, SqlStore, type Session } from './sql-store.js';
import type { MigrationSet } from './migration-plan.js';
import { coreMigrations } from './migrations/index.js';
import { MIGRATIONS_TABLE } from './naming.js';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for a private in-memory database. */
  filename: string;
  /** The records kept (default: core's schema). */
  schema?: Schema;
  /** How long a writer waits for another process's lock, in ms (default 5000). */
  busyTimeoutMs?: number;
  /** The migration set (default: the committed core migrations); for hosts and tests. */
  migrations?: MigrationSet;
}

interface RawStatement {
  reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}
interface RawDatabase {
  prepare(sql: string): RawStatement;
}

/** A session on the better-sqlite3 handle with a small prepared-statement cache. */
function directSession(db: RawDatabase, cacheSize = 500): Session {
  const cache = new Map<string, RawStatement>();
  return {
    async query(sql, params = []) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        cache.set(sql, stmt);
        if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
      }
      if (stmt.reader) return { rows: stmt.all(...params) as Array<Record<string, unknown>>, affected: 0 };
      return { rows: [], affected: stmt.run(...params).changes };
    },
  };
}

/** Runs one thing at a time, in call order. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<R>(fn: () => Promise<R>): Promise<R> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

class SqliteEngine extends Engine {
  private readonly mutex = new Mutex();
  private main: Session | undefined;
  private runner: QueryRunner | undefined;

  protected override async afterInitialize() {
    this.runner = this.dataSource.createQueryRunner();
    const db = (this.dataSource.driver as unknown as { databaseConnection?: RawDatabase }).databaseConnection;
    // Statements go straight to better-sqlite3 (TypeORM opened and configured the connection
    // and runs the migrations): its query runner adds async hooks per statement that cost more
    // than the query itself on a history page.
    this.main = db ? directSession(db) : sessionOf(this.runner);
  }

  private session(): Session {
    if (!this.main) throw new Error('sqliteStore used before it was opened');
    return this.main;
  }

  read<R>(fn: (s: Session) => Promise<R>): Promise<R> {
    return fn(this.session());
  }

  protected queue<R>(fn: () => Promise<R>): Promise<R> {
    return this.mutex.run(fn);
  }

  protected autocommit<R>(fn: (s: Session) => Promise<R>): Promise<R> {
    return fn(this.session());
  }

  // better-sqlite3 has one connection: transactions are serialised by the mutex, so two async
  // transactions never interleave their statements. IMMEDIATE takes the write lock up front.
  protected async inTransaction<R>(fn: (s: Session) => Promise<R>): Promise<R> {
    const s = this.session();
    const control = (sql: string) =>
      s.query(sql).catch((err: unknown) => {
        throw wrapError(this.adapter, `transaction ${sql}`, undefined, err);
      });
    await control('BEGIN IMMEDIATE');
    let result: R;
    try {
      result = await fn(s);
    } catch (err) {
      await s.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    try {
      await control('COMMIT');
    } catch (err) {
      await s.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    return result;
  }

  protected async tableExists(s: Session, name: string): Promise<boolean> {
    const { rows } = await s.query(`SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?`, [name]);
    return rows.length > 0;
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => {
      if (this.dataSource.isInitialized) await this.dataSource.destroy();
    });
  }
}

/** The embedded default: a SQLite file (or `:memory:`) through TypeORM and better-sqlite3. */
export function sqliteStore(options: SqliteStoreOptions): Store {
  const schema = options.schema ?? coreSchema;
  const migrations = options.migrations ?? coreMigrations;
  const file = options.filename !== ':memory:';
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: options.filename,
    entities: entitySchemas(schema, 'sqlite'),
    migrations: migrations.sqlite,
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    enableWAL: file,
    statementCacheSize: 500,
    timeout: options.busyTimeoutMs ?? 5000,
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma(`busy_timeout = ${Math.floor(options.busyTimeoutMs ?? 5000)}`);
      if (file) db.pragma('synchronous = NORMAL');
    },
  });
  const engine = new SqliteEngine(
    'sqliteStore',
    sqlite,
    schema,
    { nativeJson: false, nativeDates: false, nativeBooleans: false, transactions: true, concurrentWriters: false },
    dataSource,
    migrations,
  );
  return new SqlStore(engine);
}
