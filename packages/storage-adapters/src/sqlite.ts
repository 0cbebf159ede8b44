import { coreSchema, type Schema, type Store } from '@rapport/core/store';
import { DataSource, type QueryRunner } from 'typeorm';
import { sqlite, SQLITE_LOWER } from './dialects/sqlite.js';
import { entitySchemas } from './entities.js';
import { wrapError } from './errors.js';
import { Engine, sessionOf, silentLogger, type Session } from './engine.js';
import { SearchPlanner } from './search-plan.js';
import { SqlStore } from './sql-store.js';
import { migrationsFor, type MigrationSet } from './migration-plan.js';
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
  /**
   * From how many full-text matches a page walks its sort index instead of sorting every match
   * (default 1000, decision 0170); tests lower it to reach both plans with a few records.
   */
  searchWalkFrom?: number;
}

interface RawStatement {
  reader: boolean;
  raw(on: boolean): RawStatement;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}
interface RawDatabase {
  prepare(sql: string): RawStatement;
  function(name: string, options: { deterministic: boolean }, fn: (value: unknown) => unknown): unknown;
}

/**
 * A session on the better-sqlite3 handle with small prepared-statement caches: one for statements
 * giving objects, one for reads giving arrays (`raw` is a statement's mode, so each has its own).
 */
function directSession(db: RawDatabase, cacheSize = 500): Session {
  const cache = new Map<string, RawStatement>();
  const valuesCache = new Map<string, RawStatement>();
  const prepared = (from: Map<string, RawStatement>, sql: string, values: boolean) => {
    let stmt = from.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      if (values) stmt = stmt.raw(true);
      from.set(sql, stmt);
      if (from.size > cacheSize) from.delete(from.keys().next().value!);
    }
    return stmt;
  };
  return {
    async query(sql, params = []) {
      const stmt = prepared(cache, sql, false);
      if (stmt.reader) return { rows: stmt.all(...params) as Array<Record<string, unknown>>, affected: 0 };
      return { rows: [], affected: stmt.run(...params).changes };
    },
    async queryValues(sql, params = []) {
      return prepared(valuesCache, sql, true).all(...params) as unknown[][];
    },
  };
}

/** Runs `fn` again (up to 8 times, backing off) while it fails with an error matching `retryable`. */
async function retryLocked<R>(fn: () => Promise<R>, retryable: RegExp): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 8 || !retryable.test(`${(err as Error)?.message} ${((err as Error)?.cause as Error | undefined)?.message ?? ''}`)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
    }
  }
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
    // Case-insensitive search the way JavaScript (and the memory store) folds case.
    db?.function(SQLITE_LOWER, { deterministic: true }, (value) => (typeof value === 'string' ? value.toLowerCase() : value));
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

  /**
   * Two processes opening a new file at once race to switch it to WAL, which SQLite answers
   * with "database is locked" without waiting: try again.
   */
  protected override open(): Promise<void> {
    return retryLocked(() => super.open(), /database is locked|SQLITE_BUSY/i);
  }

  /**
   * SQLite has no advisory lock. When two processes migrate one file at once, the later one's
   * migration transaction fails on "already exists" (or the file lock) and rolls back whole;
   * run again, it finds the migrations recorded and does nothing.
   */
  protected override withMigrationLock<R>(fn: () => Promise<R>): Promise<R> {
    return retryLocked(fn, /already exists|database is locked|SQLITE_BUSY/i);
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
    entities: entitySchemas(schema, sqlite.name),
    migrations: migrationsFor(migrations, sqlite),
    migrationsTableName: MIGRATIONS_TABLE,
    logger: silentLogger,
    synchronize: false,
    enableWAL: file,
    statementCacheSize: 500,
    timeout: options.busyTimeoutMs ?? 5000,
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma(`busy_timeout = ${Math.floor(options.busyTimeoutMs ?? 5000)}`);
      if (file) {
        db.pragma('synchronous = NORMAL');
        // A checkpoint every 4,000 WAL pages (16 MB) rather than 1,000: a page dirtied by several
        // commits in between is copied into the database once (an import wrote ~20 % fewer bytes, decision 0193).
        db.pragma('wal_autocheckpoint = 4000');
      }
    },
  });
  const engine = new SqliteEngine('sqliteStore', sqlite, schema, dataSource, migrations);
  if (options.searchWalkFrom !== undefined) engine.searchPlanner = new SearchPlanner(options.searchWalkFrom);
  return new SqlStore(engine);
}
