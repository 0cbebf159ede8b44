import { inRead, inUnit, type Context, type Unit } from '../../context.js';
import { coreSchema } from '../../domain/schema.js';
import type { Operator } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { groupKeyName } from '../../store/aggregate.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import * as v from '../../validate.js';
import { BUILTIN_VIEWS } from './catalog.js';
import { checkSpec, type RunEnv } from './compile.js';
import { prepare, pivot, readGroups, readPage } from './run.js';
import { scopedFind } from './scope.js';
import type {
  BuiltinView,
  FormatRule,
  PivotQuery,
  PivotTable,
  SavedView,
  ViewColumnInfo,
  ViewGroup,
  ViewKind,
  ViewResult,
  ViewRow,
  ViewRunOptions,
  ViewShare,
  ViewSpec,
} from './types.js';

export * from './types.js';

export interface ViewInput {
  /** Unique among saved views. */
  name: string;
  spec: ViewSpec;
  shares?: ViewShare[];
}

export type ViewPatch = Partial<ViewInput>;

/** A view to run: a saved or built-in view's id or name, the view itself, a named spec, or a spec run without saving. */
export type ViewRef = string | ViewSpec | SavedView | BuiltinView | { name: string; spec: ViewSpec };

/** A view opened for reading every row page by page (what exports stream from). */
export interface ViewReader {
  name: string;
  kind: ViewKind;
  columns: ViewColumnInfo[];
  formats: FormatRule[];
  /** Names of the group keys (empty when the view does not group). */
  groupBy: string[];
  groups(): Promise<ViewGroup[] | null>;
  /** Every row of the view, a page at a time (default 1,000 rows a page), in the view's order. */
  pages(pageSize?: number): AsyncGenerator<ViewRow[]>;
}

/** VALIDATION for keys beyond these: a misspelt key would otherwise change nothing, silently. */
function onlyKeys(field: string, input: object, keys: readonly string[]) {
  const extra = Object.keys(input).filter((k) => !keys.includes(k));
  if (extra.length > 0) throw invalid(field, `has no ${extra.map((k) => JSON.stringify(k)).join(', ')} (it takes ${keys.join(', ')})`);
}

interface ShareRow {
  id: string;
  version: number;
  viewId: string;
  principalType: 'operator' | 'group';
  principal: string;
  canEdit: boolean;
}

export function viewsModule(ctx: Context) {
  const env = (options: { timeZone?: string } = {}, spec?: ViewSpec): RunEnv => ({
    now: ctx.clock.now(),
    timeZone: options.timeZone ?? spec?.timeZone ?? 'UTC',
    actorId: ctx.actorId,
  });

  /** Ids of the saved views shared with the acting operator, directly or through a group, and whether each may be edited. */
  async function sharedWithMe(): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    if (ctx.actorId === null) return out;
    const me = await ctx.store.get<Operator>('operators', ctx.actorId);
    const rows = await readAll<ShareRow>(ctx.store, 'view_shares', {
      where: where.or(
        where.and(where.eq('principalType', 'operator'), where.eq('principal', ctx.actorId)),
        me && me.groups.length > 0 ? where.and(where.eq('principalType', 'group'), where.in('principal', me.groups)) : undefined,
      ),
    });
    for (const r of rows) out.set(r.viewId, (out.get(r.viewId) ?? false) || r.canEdit);
    return out;
  }

  /** A saved view by id or name that the acting operator may use; NOT_FOUND otherwise (its existence is not leaked). */
  async function loadSaved(idOrName: string): Promise<{ view: SavedView; canEdit: boolean }> {
    const found =
      (await ctx.store.get<SavedView>('views', idOrName)) ??
      (await scopedFind<SavedView>(ctx, 'views', { where: where.eq('name', idOrName), limit: 1 })).items[0];
    if (found) {
      if (ctx.actorId === null || found.ownerId === ctx.actorId) return { view: found, canEdit: true };
      const shared = await sharedWithMe();
      if (shared.has(found.id)) return { view: found, canEdit: shared.get(found.id)! };
    }
    throw new RapportError('NOT_FOUND', `view ${JSON.stringify(idOrName)} does not exist`, { details: { field: 'view' } });
  }

  async function resolve(ref: ViewRef, options: { timeZone?: string }): Promise<{ name: string; spec: ViewSpec }> {
    if (typeof ref === 'string') {
      const builtin = BUILTIN_VIEWS.find((b) => b.id === ref || b.name === ref);
      if (builtin) return { name: builtin.name, spec: builtin.spec };
      const { view } = await loadSaved(ref);
      return { name: view.name, spec: checkSpec(coreSchema, view.spec, env(options)) };
    }
    if (!ref || typeof ref !== 'object') throw invalid('view', 'must be a view id, a name or a view spec', ref);
    if ('spec' in ref) return { name: ref.name, spec: checkSpec(coreSchema, ref.spec, env(options)) };
    return { name: '(unsaved view)', spec: checkSpec(coreSchema, ref, env(options)) };
  }

  async function checkShares(unit: Unit, shares: unknown): Promise<ViewShare[]> {
    if (shares === undefined) return [];
    if (!Array.isArray(shares) || shares.length > 200) throw invalid('view.shares', 'must be a list of at most 200 shares', shares);
    const out: ViewShare[] = [];
    for (const [i, s] of shares.entries()) {
      const at = `view.shares[${i}]`;
      if (!s || typeof s !== 'object') throw invalid(at, 'must be { operatorId, canEdit } or { group, canEdit }', s);
      const canEdit = s.canEdit === undefined ? false : v.boolean(`${at}.canEdit`, s.canEdit);
      if (s.operatorId !== undefined && s.group === undefined) {
        const op = await unit.load<Operator>('operators', v.id(`${at}.operatorId`, s.operatorId), 'operator', `${at}.operatorId`);
        out.push({ operatorId: op.id, canEdit });
      } else if (s.group !== undefined && s.operatorId === undefined) out.push({ group: v.text(`${at}.group`, s.group, { max: 320 }), canEdit });
      else throw invalid(at, 'names either an operatorId or a group', s);
    }
    return out;
  }

  async function writeShares(unit: Unit, viewId: string, shares: ViewShare[]) {
    await unit.tx.deleteWhere('view_shares', where.eq('viewId', viewId));
    const rows: ShareRow[] = shares.map((s) => ({
      id: newId(unit.now.getTime()),
      version: 1,
      viewId,
      principalType: s.operatorId !== undefined ? 'operator' : 'group',
      principal: (s.operatorId ?? s.group)!,
      canEdit: s.canEdit,
    }));
    if (rows.length > 0) await unit.tx.createMany('view_shares', rows);
  }

  async function open(ref: ViewRef, options: ViewRunOptions = {}) {
    const { name, spec } = await resolve(ref, options);
    return { name, spec, view: prepare(spec, env(options, spec)) };
  }

  return {
    /** The views every operator has: My tasks, Tasks from me, Responses to my tasks, Overdue, Due this week, Stages due. */
    builtins(): BuiltinView[] {
      return structuredClone(BUILTIN_VIEWS);
    },

    /** The built-in views, then the saved views the acting operator owns or that are shared with them, by name. */
    async list(): Promise<Array<BuiltinView | SavedView>> {
      const shared = await sharedWithMe();
      const mine =
        ctx.actorId === null ? undefined : where.or(where.eq('ownerId', ctx.actorId), shared.size > 0 ? where.in('id', [...shared.keys()]) : undefined);
      const saved = await readAll<SavedView>(ctx.store, 'views', { where: where.and(mine), sort: [{ field: 'name' }] });
      return [...this.builtins(), ...saved];
    },

    /** A saved view (by id or name) or a built-in one; NOT_FOUND when it does not exist or is not shared with the operator. */
    async get(idOrName: string): Promise<BuiltinView | SavedView> {
      const builtin = BUILTIN_VIEWS.find((b) => b.id === idOrName || b.name === idOrName);
      if (builtin) return structuredClone(builtin);
      return (await loadSaved(idOrName)).view;
    },

    /** Saves a view under a unique name, owned by the acting operator. An invalid spec is VALIDATION; a taken name CONFLICT. */
    save(input: ViewInput): Promise<SavedView> {
      return inUnit(ctx, async (unit) => {
        if (!input || typeof input !== 'object') throw invalid('view', 'must be { name, spec }', input);
        onlyKeys('view', input, ['name', 'spec', 'shares']);
        const name = v.text('view.name', input.name, { max: 200 });
        if (BUILTIN_VIEWS.some((b) => b.name === name)) throw new RapportError('CONFLICT', `view.name ${JSON.stringify(name)} is a built-in view's name`);
        const spec = checkSpec(coreSchema, input.spec, env());
        const clash = await unit.tx.find('views', { where: where.eq('name', name), limit: 1 });
        if (clash.items.length > 0)
          throw new RapportError('CONFLICT', `view.name ${JSON.stringify(name)} is already used`, { details: { field: 'view.name' } });
        const shares = await checkShares(unit, input.shares);
        const view: SavedView = {
          id: newId(unit.now.getTime()),
          version: 1,
          name,
          kind: spec.kind,
          ownerId: ctx.actorId,
          spec,
          shares,
          createdAt: unit.now,
          updatedAt: unit.now,
        };
        await unit.tx.create('views', view);
        await writeShares(unit, view.id, shares);
        return view;
      });
    },

    /** Changes a saved view: its owner, the host, or an operator it is shared with for editing; others get FORBIDDEN. */
    async update(id: string, patch: ViewPatch, expectedVersion?: number): Promise<SavedView> {
      if (!patch || typeof patch !== 'object') throw invalid('view patch', 'must be { name?, spec?, shares? }', patch);
      onlyKeys('view patch', patch, ['name', 'spec', 'shares']);
      const { view: seen, canEdit } = await loadSaved(id);
      if (!canEdit) throw new RapportError('FORBIDDEN', `view ${JSON.stringify(seen.name)} is shared with you for use, not for editing`);
      return inUnit(ctx, async (unit) => {
        const view = await unit.load<SavedView>('views', seen.id, 'view');
        const changes: Partial<SavedView> = { updatedAt: unit.now };
        if (patch?.name !== undefined) {
          changes.name = v.text('view.name', patch.name, { max: 200 });
          const clash = await unit.tx.find<SavedView>('views', { where: where.and(where.eq('name', changes.name), where.ne('id', view.id)), limit: 1 });
          if (clash.items.length > 0) throw new RapportError('CONFLICT', `view.name ${JSON.stringify(changes.name)} is already used`);
        }
        if (patch?.spec !== undefined) {
          changes.spec = checkSpec(coreSchema, patch.spec, env());
          changes.kind = changes.spec.kind;
        }
        if (patch?.shares !== undefined) {
          if (ctx.actorId !== null && view.ownerId !== ctx.actorId)
            throw new RapportError('FORBIDDEN', `only the owner of view ${JSON.stringify(view.name)} shares it`);
          changes.shares = await checkShares(unit, patch.shares);
          await writeShares(unit, view.id, changes.shares);
        }
        return unit.save('views', view, changes, expectedVersion);
      });
    },

    /** Deletes a saved view (its owner or the host). */
    async remove(id: string): Promise<void> {
      const { view } = await loadSaved(id);
      if (ctx.actorId !== null && view.ownerId !== ctx.actorId)
        throw new RapportError('FORBIDDEN', `only the owner of view ${JSON.stringify(view.name)} deletes it`);
      await inUnit(ctx, async (unit) => {
        await unit.tx.deleteWhere('view_shares', where.eq('viewId', view.id));
        await unit.tx.delete('views', view.id);
      });
    },

    /** One page of a view: rows with their styles, the groups of the whole view with their aggregates, and the next cursor. */
    async run(ref: ViewRef, options: ViewRunOptions = {}): Promise<ViewResult> {
      const { name, spec, view } = await open(ref, options);
      return inRead(ctx, async () => {
        const [page, groups] = await Promise.all([readPage(ctx, view, options.cursor, options.limit ?? 50), readGroups(ctx, view)]);
        return { name, kind: spec.kind, columns: view.columnInfo, rows: page.rows, groups, nextCursor: page.nextCursor };
      });
    },

    /** Opens a view to read all its rows page by page, in bounded memory (exports stream from this). */
    async reader(ref: ViewRef, options: { timeZone?: string } = {}): Promise<ViewReader> {
      const { name, spec, view } = await open(ref, options);
      return {
        name,
        kind: spec.kind,
        columns: view.columnInfo,
        formats: spec.formats ?? [],
        groupBy: view.groupBy.map(groupKeyName),
        groups: () => readGroups(ctx, view),
        async *pages(pageSize = 1_000) {
          let cursor: string | undefined;
          do {
            const page = await readPage(ctx, view, cursor, pageSize);
            if (page.rows.length > 0) yield page.rows;
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
        },
      };
    },

    /** A pivot table (rows × columns × count, sum or average) over a view's records, computed by the store. */
    async pivot(ref: ViewRef, query: PivotQuery, options: { timeZone?: string } = {}): Promise<PivotTable> {
      const { view } = await open(ref, options);
      return pivot(ctx, view, query);
    },
  };
}
