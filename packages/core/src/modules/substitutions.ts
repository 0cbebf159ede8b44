import { inUnit, type Context, type Unit } from '../context.js';
import { requirePermission } from './access/access.js';
import type { Operator } from '../domain/types.js';
import type { Substitution } from '../domain/substitution.js';
import { RapportError, invalid } from '../errors.js';
import { newId } from '../ids.js';
import { where, type Filter } from '../store/filter.js';
import { readAll } from '../store/find-all.js';
import type { Store } from '../store/store.js';
import * as v from '../validate.js';

export interface SubstitutionPeriod {
  /** When the deputy starts (default: now). */
  from?: Date | string;
  /** When the substitution ends by itself (required: an absence has an end). */
  until: Date | string;
}

export interface SubstitutionQuery {
  absentId?: string;
  deputyId?: string;
  /** Only those active at this instant. */
  activeAt?: Date | string;
}

/** The substitutions active at `at`: started, not yet at their end, not ended early. */
function activeAt(at: Date): Filter {
  return where.and(where.lte('from', at), where.gt('until', at), where.or(where.isNull('endedAt'), where.gt('endedAt', at)));
}

/**
 * The operators `deputyId` acts for at `at` (the absent colleagues whose records they see and
 * work): what principal resolution adds to an operator's own identity. One indexed read.
 */
export async function actingFor(store: Pick<Store, 'find'>, deputyId: string, at: Date): Promise<string[]> {
  const rows = await readAll<Substitution>(store, 'substitutions', { where: where.and(where.eq('deputyId', deputyId), activeAt(at)) });
  return [...new Set(rows.map((r) => r.absentId))];
}

async function operator(unit: Unit, id: string, field: string): Promise<Operator> {
  return unit.load<Operator>('operators', v.id(field, id), 'operator', field);
}

/** Substitutions (zastępstwa): a deputy works an absent operator's records for a period. */
export function substitutionMethods(ctx: Context) {
  return {
    /**
     * Lets `deputyId` see and work `absentId`'s records from `from` (default now) until `until`,
     * without any record changing owner; it ends by itself at `until`. Audited.
     */
    substitute(absentId: string, deputyId: string, period: SubstitutionPeriod): Promise<Substitution> {
      return inUnit(ctx, async (unit) => {
        if (!period || typeof period !== 'object') throw invalid('substitution', 'needs a period { from?, until }', period);
        const absent = await operator(unit, absentId, 'substitution.absentId');
        const deputy = await operator(unit, deputyId, 'substitution.deputyId');
        if (absent.id === deputy.id)
          throw invalid('substitution.deputyId', `must be another operator than the absent one (both are ${absent.email})`, deputy.id);
        if (!deputy.active) throw invalid('substitution.deputyId', `operator ${deputy.email} is deactivated and cannot stand in`, deputy.id);
        // Operators name their own deputy; arranging one for someone else is administering operators.
        if (ctx.actorId !== absent.id) await requirePermission(ctx, 'operators', 'update', `${absent.email} (substitution)`);
        const startsAt = period.from === undefined ? unit.now : v.date('substitution.from', period.from);
        const endsAt = v.date('substitution.until', period.until);
        if (endsAt.getTime() <= startsAt.getTime()) throw invalid('substitution.until', `must be after substitution.from ${startsAt.toISOString()}`, endsAt);
        if (endsAt.getTime() <= unit.now.getTime()) throw invalid('substitution.until', `is already past (now is ${unit.now.toISOString()})`, endsAt);
        const overlapping = await unit.tx.find<Substitution>('substitutions', {
          where: where.and(
            where.eq('absentId', absent.id),
            where.eq('deputyId', deputy.id),
            where.isNull('endedAt'),
            where.gt('until', startsAt),
            where.lt('from', endsAt),
          ),
          limit: 1,
        });
        const clash = overlapping.items[0];
        if (clash) {
          throw new RapportError(
            'CONFLICT',
            `${deputy.email} already stands in for ${absent.email} from ${clash.from.toISOString()} until ${clash.until.toISOString()} (substitution ${clash.id})`,
          );
        }
        const record: Substitution = {
          id: newId(unit.now.getTime()),
          version: 1,
          absentId: absent.id,
          deputyId: deputy.id,
          from: startsAt,
          until: endsAt,
          endedAt: null,
          createdBy: unit.actorId,
          createdAt: unit.now,
          updatedAt: unit.now,
        };
        await unit.tx.create('substitutions', record);
        await unit.audit('substitution', record.id, 'created', null, {
          absentId: absent.id,
          deputyId: deputy.id,
          from: startsAt.toISOString(),
          until: endsAt.toISOString(),
        });
        unit.emit({ type: 'substitution.created', substitution: record });
        return record;
      });
    },

    /** Ends a substitution now (or cancels one not started yet); ending an ended one changes nothing. Audited. */
    endSubstitution(id: string): Promise<Substitution> {
      return inUnit(ctx, async (unit) => {
        const record = await unit.load<Substitution>('substitutions', id, 'substitution');
        if (ctx.actorId !== record.absentId) await requirePermission(ctx, 'operators', 'update', `(substitution ${record.id})`);
        if (record.endedAt || record.until.getTime() <= unit.now.getTime()) return record;
        const saved = await unit.save('substitutions', record, { endedAt: unit.now, updatedAt: unit.now });
        await unit.audit('substitution', id, 'endedAt', null, unit.now);
        unit.emit({ type: 'substitution.ended', substitution: saved });
        return saved;
      });
    },

    /** Substitutions of an absent operator or a deputy (or all), latest start first. */
    substitutions(query: SubstitutionQuery = {}): Promise<Substitution[]> {
      const at = query.activeAt === undefined ? undefined : v.date('substitutions.activeAt', query.activeAt);
      return readAll<Substitution>(ctx.store, 'substitutions', {
        where: where.and(
          query.absentId ? where.eq('absentId', v.id('substitutions.absentId', query.absentId)) : undefined,
          query.deputyId ? where.eq('deputyId', v.id('substitutions.deputyId', query.deputyId)) : undefined,
          at ? activeAt(at) : undefined,
        ),
        sort: [{ field: 'from', direction: 'desc' }],
      });
    },

    /** The operators `deputyId` stands in for now (by the CRM's clock). */
    actingFor(deputyId: string): Promise<string[]> {
      return actingFor(ctx.store, v.id('deputyId', deputyId), ctx.clock.now());
    },
  };
}
