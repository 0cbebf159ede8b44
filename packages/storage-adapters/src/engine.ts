import { RapportError, coreSchema, type MigrationReport, type Schema } from '@rapport/core/store';
import type { DataSource, Logger, QueryRunner } from 'typeorm';
import { tablesOf, type Table } from './compile.js';
import { createIndexSql, createTableSql } from './ddl.js';
import type { Dialect } from './dialect.js';
import { wrapError } from './errors.js';
import { SearchPlanner } from './search-plan.js';
import { sameDef, type MigrationSet } from './migration-plan.js';
import { MIGRATIONS_TABLE } from './naming.js';

/**
 * TypeORM's default logger prints migration failures (and slow queries) to the console, which
 * would corrupt a host's stdout (a CLI's JSON, say). Every failure reaches the caller as a
 * RapportError instead.
 */
export const silentLogger: Logger = {
  logQuery: () => undefined,
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};

export interface QueryResultRows {
  rows: Array<Record<string, unknown>>;
  affected: number;
}

/** One connection's worth of SQL: a query runner, inside or outside a transaction. */
export interface Session {
  query(sql: string, params?: unknown[]): Promise<QueryResultRows>;
  /**
   * A SELECT's rows as arrays of values in select-list order, where the driver can skip building
   * an object per row (better-sqlite3 `raw`, pg `rowMode: 'array'`); the records are built once,
   * by `Table.decodeValues`.
   */
  queryValues?(sql: string, params?: unknown[]): Promise<unknown[][]>;
}

export function sessionOf(runner: QueryRunner): Session {
  return {
    async query(sql, params = []) {
      const r = await runner.query(sql, params, true);
      return { rows: (r.records ?? []) as Array<Record<string, unknown>>, affected: r.affected ?? 0 };
    },
  };
}

/** What differs between SQLite and PostgreSQL: connections, locking, transactions. */
export abstract class Engine {
  readonly tables: Map<string, Table>;
  /** Chooses how a page with a search word is read (search-plan.ts). */
  searchPlanner = new SearchPlanner();
  private initializing: Promise<void> | undefined;

  constructor(
    readonly adapter: string,
    readonly dialect: Dialect,
    readonly schema: Schema,
    readonly dataSource: DataSource,
    readonly migrations: MigrationSet,
  ) {
    this.tables = tablesOf(dialect, schema);
  }

  table(collection: string): Table {
    const t = this.tables.get(collection);
    if (!t) throw new RapportError('VALIDATION', `${this.adapter}: unknown collection ${JSON.stringify(collection)}`);
    return t;
  }

  /** Opens the connection (pool) on first use. */
  ready(): Promise<void> {
    this.initializing ??= this.open()
      .then(() => this.afterInitialize())
      .catch((err) => {
        this.initializing = undefined;
        throw wrapError(this.adapter, 'connect', undefined, err);
      });
    return this.initializing;
  }

  /** Opens the DataSource (connection or pool). */
  protected async open(): Promise<void> {
    await this.dataSource.initialize();
  }

  protected async afterInitialize(): Promise<void> {}

  /** A statement outside any transaction that only reads. */
  abstract read<R>(fn: (s: Session) => Promise<R>): Promise<R>;
  /** A statement outside any transaction that writes. */
  write<R>(fn: (s: Session) => Promise<R>): Promise<R> {
    return this.queue(() => this.autocommit(fn));
  }
  /** `fn` inside one database transaction. */
  transaction<R>(fn: (s: Session) => Promise<R>): Promise<R> {
    return this.queue(() => this.inTransaction(fn));
  }
  /** Orders writers where the database has one writer (SQLite); runs at once elsewhere. */
  protected abstract queue<R>(fn: () => Promise<R>): Promise<R>;
  protected abstract autocommit<R>(fn: (s: Session) => Promise<R>): Promise<R>;
  protected abstract inTransaction<R>(fn: (s: Session) => Promise<R>): Promise<R>;
  protected abstract tableExists(s: Session, name: string): Promise<boolean>;
  protected async beforeMigrate(): Promise<void> {}
  /** Runs `fn` while no other process migrates the same database (where the database can tell). */
  protected withMigrationLock<R>(fn: () => Promise<R>): Promise<R> {
    return fn();
  }

  async migrate(): Promise<MigrationReport> {
    await this.ready();
    return this.withMigrationLock(() => this.migrateLocked());
  }

  private async migrateLocked(): Promise<MigrationReport> {
    await this.beforeMigrate();
    const known = this.dataSource.migrations.map((m) => m.name ?? m.constructor.name);
    this.checkSchema();
    return this.queue(async () => {
      const done = await this.autocommit(async (s) =>
        (await this.tableExists(s, MIGRATIONS_TABLE))
          ? (await s.query(`SELECT name FROM ${this.dialect.q(MIGRATIONS_TABLE)}`)).rows.map((r) => String(r.name))
          : [],
      );
      const unknown = done.filter((name) => !known.includes(name));
      if (unknown.length > 0) {
        throw new RapportError(
          'STORAGE',
          `${this.adapter}: the database was migrated by a newer Rapport (unknown migrations: ${unknown.join(', ')}); upgrade @rapport/storage-adapters before opening it`,
        );
      }
      let ran: string[];
      try {
        ran = (await this.dataSource.runMigrations({ transaction: 'all' })).map((m) => m.name);
      } catch (err) {
        throw wrapError(this.adapter, 'migrate', undefined, err);
      }
      const applied = [...ran];
      const skipped = known.filter((n) => !ran.includes(n));
      // Collections outside the migrations (a host's own, test schemas) are created from the
      // schema when missing; they are never altered — give them migrations to evolve them.
      const covered = new Set(this.migrations.snapshot.collections.map((c) => c.name));
      const extra = this.schema.collections.filter((c) => !covered.has(c.name));
      for (const def of extra) {
        const label = `create ${def.name}`;
        const exists = await this.autocommit((s) => this.tableExists(s, def.name));
        if (exists) {
          skipped.push(label);
          continue;
        }
        await this.inTransaction(async (s) => {
          await s.query(createTableSql(this.dialect, def, true));
          for (const ix of def.indexes) await s.query(createIndexSql(this.dialect, def, ix, true));
          if (def.search?.length) for (const sql of this.dialect.searchIndex(def).up) await s.query(sql);
        }).catch((err) => {
          throw wrapError(this.adapter, 'migrate', def.name, err);
        });
        applied.push(label);
      }
      return { applied, skipped };
    });
  }

  /** Code whose schema moved on without a generated migration fails here, not on a missing column later. */
  private checkSchema() {
    const snap = new Map(this.migrations.snapshot.collections.map((c) => [c.name, c]));
    for (const def of this.schema.collections) {
      const known = snap.get(def.name);
      const hint = 'run `npm run migrations:generate -w @rapport/storage-adapters -- <name>` and commit the result';
      if (!known && coreSchema.has(def.name)) {
        throw new RapportError('STORAGE', `${this.adapter}: core collection ${def.name} has no migration yet; ${hint}`);
      }
      if (known && !sameDef(known, def)) {
        throw new RapportError('STORAGE', `${this.adapter}: collection ${def.name} differs from the last migration snapshot; ${hint}`);
      }
    }
  }

  abstract close(): Promise<void>;
}
