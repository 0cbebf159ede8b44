import { recordName } from '../../context.js';
import type { AccessAction } from '../../domain/access-types.js';
import { RapportError, notFound } from '../../errors.js';
import type { Task } from '../../domain/types.js';
import { where, type Filter } from '../../store/filter.js';
import type { StoredRecord } from '../../store/schema.js';
import type { AggregateQuery, CountOptions, FindQuery, Store } from '../../store/store.js';
import { ACCESS_COLLECTIONS, allows, collectionFilter, forbidden, type AccessEngine } from './engine.js';
import type { Principal } from './principal.js';
import { GOVERNED, childFilter, emailsFilter, timelineFilter } from './rules.js';
import { UNSCOPED } from './unscoped.js';
import { collectionAccess, placedFilter, placedVisible, placedWrite } from './collections.js';
import { COPIED, TASK_CHILDREN, childAccessFields, refreshAccessCopies } from './task-access.js';

/** Fields whose change must be copied onto the record's timeline items. */
const ACCESS_FIELDS = new Set(['ownerId', 'createdBy', 'private', 'registerId']);

/**
 * Collections no operator reads through the store (collections.ts): the audit, whose rows carry
 * values of records of every kind, and any collection not placed there. Modules read them
 * beneath the rules after their own check (`auditTrail` after the task's, the inbox for the
 * operator's own changes).
 */
const isClosed = (collection: string) => collectionAccess(collection) === 'closed';

const NO_TASK = { taskOwnerId: null, taskCreatorId: null, taskPrivate: null, taskRegisterId: null };
const COPY_FIELDS = Object.keys(NO_TASK);

const closed = (actorId: string, collection: string, action: string) =>
  new RapportError(
    'FORBIDDEN',
    `operator ${actorId} may not ${action} ${collection} through the store: ${collection === 'audit' ? 'read it through crm.tasks.auditTrail' : 'it is not open to operators'}`,
    {
      details: { collection, actorId },
    },
  );

/**
 * `module`: the store modules read and write through (`ctx.store`): governed and copied rules,
 * and `related` reads; the rest is the module's to check. `caller`: the store a host gets as
 * `crm.as(op).store`, which applies every placement of collections.ts.
 */
export interface ScopeOptions {
  root?: Store;
  onTouched?: () => void;
  face?: 'module' | 'caller';
}

const and = (a: Filter | undefined, b: Filter | undefined): Filter | undefined => (a && b ? where.and(a, b) : (a ?? b));

/**
 * The store as one operator sees it: every find, count, aggregate and delete of a governed
 * collection gets the operator's rule AND-ed into its filter (so pages stay full and counts
 * exact), a single read of an invisible record is null (the module's NOT_FOUND), and a write the
 * rules refuse is FORBIDDEN. With no operator (the trusted host) it passes everything through.
 * Either way a write to an access collection makes the engine resolve principals again.
 */
export function scopedStore(base: Store, engine: AccessEngine, actorId: string | null, options: ScopeOptions = {}): Store {
  const { root = base, onTouched, face = 'module' } = options;
  /** Collections the caller's face rules beyond the governed and copied ones (collections.ts). */
  const placed = (collection: string) => {
    const access = collectionAccess(collection);
    return access === 'related' || (face === 'caller' && access !== 'governed' && access !== 'copied');
  };
  const principal = (): Promise<Principal> => engine.principal(root, actorId!);
  const touched = (collection: string) => {
    if (!ACCESS_COLLECTIONS.has(collection)) return;
    engine.invalidate();
    onTouched?.();
  };

  const readFilter = async (collection: string): Promise<Filter | undefined> => {
    if (actorId === null) return undefined;
    if (isClosed(collection)) throw closed(actorId, collection, 'read');
    if (TASK_CHILDREN.has(collection)) return childFilter(await principal());
    if (collection === 'timeline') return timelineFilter(await principal());
    if (collection === 'emails') return emailsFilter(await principal());
    if (placed(collection)) return placedFilter(await principal(), base, collection);
    return collectionFilter(await principal(), collection, 'read');
  };

  const visible = async (collection: string, record: StoredRecord): Promise<boolean> => {
    if (actorId === null) return true;
    if (isClosed(collection)) throw closed(actorId, collection, 'read');
    if (TASK_CHILDREN.has(collection)) {
      const task = await base.get<Task>('tasks', (record as unknown as { taskId: string }).taskId);
      return task !== null && allows(await principal(), 'tasks', 'read', task);
    }
    if (collection === 'emails') {
      const taskId = (record as unknown as { taskId: string | null }).taskId;
      const task = taskId ? await base.get<Task>('tasks', taskId) : null;
      if (task && !allows(await principal(), 'tasks', 'read', task)) return false;
    }
    if (placed(collection)) return placedVisible(await principal(), base, collection, record);
    return !GOVERNED[collection] || allows(await principal(), collection, 'read', record);
  };

  /** Refuses a write the rules do not allow: an invisible record is NOT_FOUND, a visible one FORBIDDEN. */
  const check = async (collection: string, action: AccessAction, record: StoredRecord) => {
    if (actorId === null || !GOVERNED[collection]) return;
    const p = await principal();
    if (action !== 'create' && !allows(p, collection, 'read', record)) return 'hidden' as const;
    if (!allows(p, collection, action, record)) throw forbidden(p, collection, action, record);
  };

  /** A stage or entry is changed through its task: that needs `tasks.update` on the task. */
  /** A closed collection, or a patch of the copied task fields (only the store writes those). */
  const refuseClosed = (collection: string, action: string, patch?: object, creating = false) => {
    // Modules record the audit as the operator: creating it is the one write left open.
    if (actorId !== null && isClosed(collection) && !(creating && collection === 'audit')) throw closed(actorId, collection, action);
    const copy = patch && !creating && TASK_CHILDREN.has(collection) ? COPY_FIELDS.find((k) => k in patch) : undefined;
    if (actorId !== null && copy)
      throw new RapportError('FORBIDDEN', `${collection}.${copy} is copied from the task and cannot be written`, { details: { collection, field: copy } });
  };

  /** A stage or entry gets its task's access fields from the task as it is, whichever module writes it. */
  const withTaskAccess = async <T extends StoredRecord>(collection: string, record: T): Promise<T> => {
    if (!TASK_CHILDREN.has(collection)) return record;
    const task = await base.get<Task>('tasks', (record as unknown as { taskId: string }).taskId);
    return { ...record, ...(task ? childAccessFields(task) : NO_TASK) };
  };

  const checkParentTask = async (collection: string, record: StoredRecord | null) => {
    if (actorId === null || !record || !TASK_CHILDREN.has(collection)) return;
    const task = await base.get<Task>('tasks', (record as unknown as { taskId: string }).taskId);
    if (!task) return;
    if ((await check('tasks', 'update', task)) === 'hidden') throw notFound('task', task.id);
  };

  /** The caller's face: a write of a placed collection (collections.ts) by an operator. */
  const callerWrites = (collection: string) => actorId !== null && face === 'caller' && placed(collection);

  /** Refuses a caller's write of a row they may not read (NOT_FOUND) or may not change (FORBIDDEN). */
  const checkPlaced = async (collection: string, action: AccessAction, id: string | null, row?: object) => {
    if (!callerWrites(collection)) return;
    const p = await principal();
    if (id !== null) {
      const current = await base.get(collection, id);
      if (current && !(await placedVisible(p, base, collection, current))) throw notFound(recordName(collection), id);
      if (current) placedWrite(p, collection, action, current);
    }
    placedWrite(p, collection, action, row);
  };

  /** A caller's bulk change of a placed collection reaches only the rows they may read. */
  const placedRule = async (collection: string, action: AccessAction, patch?: object) => {
    if (!callerWrites(collection)) return undefined;
    await checkPlaced(collection, action, null, patch);
    return placedFilter(await principal(), base, collection);
  };

  const ownerField = (collection: string) => GOVERNED[collection]?.fields.owner ?? null;

  const store: Store = {
    name: base.name,
    capabilities: base.capabilities,
    migrate: () => base.migrate(),
    close: () => base.close(),
    nextSequence: (name, count) => base.nextSequence(name, count),

    async get<T extends StoredRecord>(collection: string, id: string): Promise<T | null> {
      refuseClosed(collection, 'read');
      const record = await base.get<T>(collection, id);
      return record && (await visible(collection, record)) ? record : null;
    },

    async find<T extends StoredRecord>(collection: string, query: FindQuery = {}) {
      const rule = await readFilter(collection);
      return base.find<T>(collection, rule ? { ...query, where: and(query.where, rule) } : query);
    },

    async count(collection: string, filter?: Filter, options?: CountOptions) {
      return base.count(collection, and(filter, await readFilter(collection)), options);
    },

    async aggregate(collection: string, query: AggregateQuery) {
      const rule = await readFilter(collection);
      return base.aggregate(collection, rule ? { ...query, where: and(query.where, rule) } : query);
    },

    async create<T extends StoredRecord>(collection: string, record: T): Promise<T> {
      refuseClosed(collection, 'create', record, true);
      await checkPlaced(collection, 'create', null, record);
      await checkCreate(collection, record);
      await checkParentTask(collection, record);
      const created = await base.create(collection, await withTaskAccess(collection, record));
      touched(collection);
      return created;
    },

    async createMany<T extends StoredRecord>(collection: string, records: T[]) {
      const copied: T[] = [];
      for (const r of records) {
        refuseClosed(collection, 'create', r, true);
        await checkPlaced(collection, 'create', null, r);
        await checkCreate(collection, r);
        await checkParentTask(collection, r);
        copied.push(await withTaskAccess(collection, r));
      }
      await base.createMany(collection, copied);
      touched(collection);
    },

    async update<T extends StoredRecord>(collection: string, id: string, patch: Partial<Omit<T, 'id' | 'version'>>, expectedVersion: number): Promise<T> {
      refuseClosed(collection, 'update', patch);
      await checkPlaced(collection, 'update', id, patch);
      // The record before the change: for the rules, and to copy a changed owner onto its history.
      const copies = COPIED.has(collection) && Object.keys(patch).some((k) => ACCESS_FIELDS.has(k));
      const current = (actorId !== null && (GOVERNED[collection] || TASK_CHILDREN.has(collection))) || copies ? await base.get<T>(collection, id) : null;
      await checkParentTask(collection, current);
      if (actorId !== null && GOVERNED[collection]) {
        if (current) {
          if ((await check(collection, 'update', current)) === 'hidden') throw notFound(recordName(collection), id);
          const owner = ownerField(collection);
          if (owner && owner in patch && (patch as Record<string, unknown>)[owner] !== (current as Record<string, unknown>)[owner])
            await check(collection, 'assign', current);
        }
      }
      const saved = await base.update<T>(collection, id, patch, expectedVersion);
      if (copies && current) await refreshAccessCopies(base, collection, current, saved, actorId, store);
      touched(collection);
      return saved;
    },

    async delete(collection: string, id: string, expectedVersion?: number) {
      refuseClosed(collection, 'delete');
      await checkPlaced(collection, 'delete', id);
      if (actorId !== null && TASK_CHILDREN.has(collection)) await checkParentTask(collection, await base.get(collection, id));
      if (actorId !== null && GOVERNED[collection]) {
        const current = await base.get(collection, id);
        if (current && (await check(collection, 'delete', current)) === 'hidden') throw notFound(recordName(collection), id);
      }
      await base.delete(collection, id, expectedVersion);
      touched(collection);
    },

    // Like deleteWhere: the operator's rule for the action narrows the filter (never a page read first).
    async updateWhere<T extends StoredRecord>(collection: string, filter: Filter, patch: Partial<Omit<T, 'id' | 'version'>>) {
      refuseClosed(collection, 'update', patch);
      let rule: Filter | undefined = await placedRule(collection, 'update', patch);
      if (actorId !== null && TASK_CHILDREN.has(collection)) rule = childFilter(await principal(), 'update');
      if (actorId !== null && GOVERNED[collection]) {
        const p = await principal();
        const owner = ownerField(collection);
        rule = and(collectionFilter(p, collection, 'update'), owner && owner in patch ? collectionFilter(p, collection, 'assign') : undefined);
      }
      const n = await base.updateWhere<T>(collection, and(filter, rule)!, patch);
      touched(collection);
      return n;
    },

    async deleteWhere(collection: string, filter: Filter) {
      refuseClosed(collection, 'delete');
      const rule =
        actorId === null
          ? undefined
          : GOVERNED[collection]
            ? collectionFilter(await principal(), collection, 'delete')
            : TASK_CHILDREN.has(collection)
              ? childFilter(await principal(), 'update')
              : await placedRule(collection, 'delete');
      const n = await base.deleteWhere(collection, and(filter, rule)!);
      touched(collection);
      return n;
    },

    // A principal resolved while the transaction ran read the state before it: forget it after.
    async transaction<R>(fn: (tx: Store) => Promise<R>): Promise<R> {
      let dirty = false;
      try {
        return await base.transaction((tx) => fn(scopedStore(tx, engine, actorId, { root, face, onTouched: () => (dirty = true) })));
      } finally {
        if (dirty) {
          engine.invalidate();
          onTouched?.();
        }
      }
    },
  };

  async function checkCreate(collection: string, record: StoredRecord) {
    if (actorId === null || !GOVERNED[collection]) return;
    const p = await principal();
    if (!allows(p, collection, 'create', record)) throw forbidden(p, collection, 'create', record);
    const owner = ownerField(collection);
    const value = owner ? (record as unknown as Record<string, unknown>)[owner] : null;
    if (typeof value === 'string' && !p.selfIds.includes(value) && !allows(p, collection, 'assign', record)) throw forbidden(p, collection, 'assign', record);
  }

  Object.defineProperty(store, UNSCOPED, { value: base, enumerable: false });
  return store;
}
