import { AsyncLocalStorage } from 'node:async_hooks';
import type { Subject } from 'rxjs';
import type { BlobStore } from './blobs.js';
import type { Clock } from './clock.js';
import { RapportError, isRapportError, notFound } from './errors.js';
import type { DomainEvent } from './events.js';
import type { AuditEntry, TimelineItem } from './domain/types.js';
import type { MailPolicy } from './domain/email-types.js';
import type { ReportFunction } from './domain/rule-types.js';
import { newId } from './ids.js';
import type { StoredRecord } from './store/schema.js';
import type { Store } from './store/store.js';
import type { AccessEngine } from './modules/access/engine.js';
import type { EventAudience } from './modules/access/events.js';
import { unscoped } from './modules/access/unscoped.js';
import { subjectOwner } from './modules/access/subject-owner.js';
import { planNotifications } from './modules/rules/plan.js';
import type { RulePresence } from './modules/rules/presence.js';

/** What every module is built with: the ports, and who is acting. */
export interface Context {
  store: Store;
  clock: Clock;
  blobs: BlobStore | null;
  events: Subject<DomainEvent>;
  /** The operator performing changes (created by, audit actor); null for the system. */
  actorId: string | null;
  /** Options of `createCrm` that modules read (policies, defaults). */
  settings: CrmSettings;
  /** Resolves the acting operator's principal (roles, groups, shares); shared by every context of one CRM. */
  access: AccessEngine;
  /** The store without the actor's rules: for reads that decide a rule, never for answers. */
  rootStore: Store;
  /** Operators listening to events: told before a unit's events are published which they may see. */
  audience?: EventAudience;
  /**
   * Refuses a context an operator turned into another's or the host's (`crm.as`) unless they
   * administer access; modules that answer without touching the store call it themselves.
   */
  guard?: () => Promise<void>;
  /** Whether any notification rule or watch exists, kept per store (rules/presence.ts). */
  rulePresence?: RulePresence;
}

export interface CrmSettings {
  /** Register used when a task is created without one (created on first use). */
  defaultRegister: { code: string; name: string; color: string; numberPattern: string };
  /** How incoming e-mail becomes CRM data (see `crm.emails.ingest`). */
  mail?: Partial<MailPolicy>;
  /**
   * Country (ISO 3166 code such as `PL`) of phone numbers written without `+`; without it such a
   * number is refused. Every stored number is E.164.
   */
  phoneCountry?: string | null;
  /** Report functions cyclic notification rules may run, by name (`createCrm({ reports })`). */
  reports?: Record<string, ReportFunction>;
}

/** One unit of work: a store transaction plus the events to publish once it has committed. */
export class Unit {
  readonly events: DomainEvent[] = [];
  /** Set when the unit wrote a notification rule or a watch: the kept presence is cleared again when it ends. */
  rulesTouched = false;

  constructor(
    readonly tx: Store,
    readonly now: Date,
    readonly actorId: string | null,
    private readonly presence?: RulePresence,
    private readonly outer?: Unit,
  ) {}

  /** Says a notification rule or watch was written: planning reads the tables again (now, and after the unit). */
  rulesChanged(): void {
    this.rulesTouched = true;
    this.presence?.clear();
    this.outer?.rulesChanged();
  }

  /** A unit over this one's transaction without the operator's rules; rule and watch changes made in it count for this one. */
  beneath(): Unit {
    return new Unit(this.system, this.now, this.actorId, undefined, this);
  }

  /**
   * The transaction without the acting operator's rules: for side effects the rules already
   * allowed through the change that causes them (copying a task's owner onto its history).
   */
  get system(): Store {
    return unscoped(this.tx);
  }

  emit(event: DomainEvent) {
    this.events.push(event);
  }

  /** Reads a record or throws NOT_FOUND naming what was looked up (and the input field it came from). */
  async load<T extends StoredRecord>(collection: string, id: string, what = recordName(collection), field?: string): Promise<T> {
    const prefix = field ? `${field}: ` : '';
    if (typeof id !== 'string' || id === '')
      throw new RapportError('VALIDATION', `${prefix}${what} id must be a non-empty string (got ${JSON.stringify(id)})`, { details: { field: field ?? what } });
    const record = await this.tx.get<T>(collection, id);
    if (!record) throw new RapportError('NOT_FOUND', `${prefix}${notFound(what, id).message}`, { details: { field: field ?? what } });
    return record;
  }

  /**
   * Writes `patch` over `record` with optimistic concurrency: a caller-supplied
   * `expectedVersion` that is not the stored one is a CONFLICT, as is a concurrent change.
   */
  async save<T extends StoredRecord>(collection: string, record: T, patch: Partial<T>, expectedVersion?: number): Promise<T> {
    if (expectedVersion !== undefined && expectedVersion !== record.version) {
      throw new RapportError(
        'CONFLICT',
        `${recordName(collection)} ${record.id} is at version ${record.version}, not ${expectedVersion}: reload it and apply the change again`,
        { details: { expectedVersion, actualVersion: record.version } },
      );
    }
    return this.tx.update<T>(collection, record.id, patch as Partial<Omit<T, 'id' | 'version'>>, record.version);
  }

  async audit(entityType: string, entityId: string, field: string, from: unknown, to: unknown) {
    const entry: AuditEntry = {
      id: newId(this.now.getTime()),
      version: 1,
      entityType,
      entityId,
      field,
      from: auditValue(from),
      to: auditValue(to),
      actorId: this.actorId,
      at: this.now,
    };
    await this.tx.create('audit', entry);
  }

  /**
   * Writes a timeline item for a partner and/or person (skipped when it concerns neither). An
   * item about an owned record (opportunity, offer, partner, campaign) gets that record's owner
   * copied on, for the access rules, unless the caller gave one.
   */
  async timeline(item: Omit<TimelineItem, 'id' | 'version' | 'at' | 'actorId'> & { at?: Date }) {
    if (!item.partnerId && !item.personId) return;
    const owner = item.ownerId === undefined ? await subjectOwner(this.system, item.subjectType, item.subjectId) : {};
    const record: TimelineItem = { ...item, ...owner, id: newId(this.now.getTime()), version: 1, at: item.at ?? this.now, actorId: this.actorId };
    await this.tx.create('timeline', record);
  }
}

/** What one record of a collection is called in messages: `opportunities` → `opportunity`, `campaign_members` → `campaign member`. */
export const recordName = (collection: string) => collection.replace(/ies$/, 'y').replace(/s$/, '').replace(/_/g, ' ');

/** Audit values are JSON: dates become ISO strings so every store gives back what it was given. */
const auditValue = (value: unknown) => (value instanceof Date ? value.toISOString() : (value ?? null));

/**
 * Runs a read outside any transaction: a Unit over the plain store that writes nothing and
 * emits nothing. Reads must not take a transaction: on SQLite that is the writer's lock.
 */
export function inRead<R>(ctx: Context, fn: (unit: Unit) => Promise<R>): Promise<R> {
  return fn(new Unit(ctx.store, ctx.clock.now(), ctx.actorId));
}

/**
 * Runs `fn` in one transaction and publishes its events after the commit. The notifications its
 * events call for (rules, watches) are planned as jobs in the same transaction.
 */
export async function inUnit<R>(ctx: Context, fn: (unit: Unit) => Promise<R>): Promise<R> {
  let unit!: Unit;
  const body = () =>
    ctx.store.transaction(async (tx) => {
      unit = new Unit(tx, ctx.clock.now(), ctx.actorId, ctx.rulePresence);
      const result = await fn(unit);
      await planNotifications(unit, ctx.rulePresence);
      return result;
    });
  let result: R;
  try {
    result = await (ctx.store.capabilities.transactions ? body() : serialised(ctx.store, body));
  } finally {
    // Another unit may have read the presence before this one committed (or rolled back).
    if (unit?.rulesTouched) ctx.rulePresence?.clear();
  }
  await ctx.audience?.decide(unit.events);
  for (const event of unit.events) ctx.events.next(event);
  return result;
}

/** The last unit queued on each store that lacks transactions, and the store whose unit is running here. */
const queues = new WeakMap<Store, Promise<unknown>>();
const running = new AsyncLocalStorage<Store>();

/**
 * A store without transactions cannot isolate two units, so core runs its units one at a time:
 * a unit's checks (a unique code, a version, a default record created on first use) still hold
 * when it writes. A unit started inside a running one joins it, as a nested transaction would.
 */
function serialised<R>(store: Store, fn: () => Promise<R>): Promise<R> {
  if (running.getStore() === store) return fn();
  const run = (queues.get(store) ?? Promise.resolve()).then(() => running.run(store, fn));
  queues.set(
    store,
    run.catch(() => undefined),
  );
  return run;
}

/** Runs `fn` again (up to five times in all) while it fails with a CONFLICT: a lost race, not an error. */
export async function retryConflicts<R>(fn: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRapportError(err, 'CONFLICT') || attempt >= 5) throw err;
    }
  }
}
