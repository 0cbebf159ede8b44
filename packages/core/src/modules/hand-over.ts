import { refreshAccessCopies, taskAccessFields } from './access/task-access.js';
import { requirePermission } from './access/access.js';
import { inUnit, type Context, type Unit, retryConflicts } from '../context.js';
import type { Operator, Stage, Task } from '../domain/types.js';
import { dropStageGrants, moveShares } from './hand-over-grants.js';
import { invalid } from '../errors.js';
import { where, type Filter } from '../store/filter.js';
import type { StoredRecord } from '../store/schema.js';
import * as v from '../validate.js';

/** What a hand-over can move: every kind of record that has an owner. */
export const HAND_OVER_KINDS = ['tasks', 'stages', 'partners', 'opportunities', 'offers', 'campaigns'] as const;
export type HandOverKind = (typeof HAND_OVER_KINDS)[number];

export interface HandOverOptions {
  /** Only these kinds (default: all of them). */
  kinds?: HandOverKind[];
  /** Only what is still open: open or in-progress tasks, open stages and opportunities, draft or sent offers, planned or active campaigns. Partners have no status and always move. */
  openOnly?: boolean;
}

/** How many records of each kind changed owner. */
export type HandOverCounts = Record<HandOverKind, number>;

interface KindRule {
  /** The audit's entity type (singular, as the modules write it). */
  entity: string;
  /** The statuses that count as open, or null for a kind without status. */
  open: string[] | null;
}

const RULES: Record<HandOverKind, KindRule> = {
  tasks: { entity: 'task', open: ['open', 'in_progress'] },
  stages: { entity: 'stage', open: ['open'] },
  partners: { entity: 'partner', open: null },
  opportunities: { entity: 'opportunity', open: ['open'] },
  offers: { entity: 'offer', open: ['draft', 'sent'] },
  campaigns: { entity: 'campaign', open: ['planned', 'active'] },
};

/** Records changed per transaction: a batch holds the writer's lock for a few milliseconds, not the whole hand-over. */
const BATCH = 200;

interface Owned extends StoredRecord {
  ownerId: string | null;
}

/** Moves one batch of `kind` from one owner to another; returns how many moved (0 when none is left). */
async function moveBatch(unit: Unit, kind: HandOverKind, from: Operator, to: Operator, openOnly: boolean): Promise<number> {
  const rule = RULES[kind];
  const filter: Filter = where.and(where.eq('ownerId', from.id), openOnly && rule.open ? where.in('status', rule.open) : undefined);
  // Each batch reads the first page again: what moved no longer matches, so no cursor is needed
  // and records created meanwhile are not missed.
  // Beneath the rules: the hand-over as a whole was authorised (operators.update), and it must
  // move everything, private tasks included, which no role's scope reaches.
  const page = await unit.system.find<Owned>(kind, { where: filter, sort: [{ field: 'id' }], limit: BATCH });
  for (const record of page.items) {
    const saved = await unit.system.update<Owned>(kind, record.id, { ownerId: to.id, updatedAt: unit.now } as Partial<Owned>, record.version);
    await unit.audit(rule.entity, record.id, 'ownerId', from.id, to.id);
    // Written beneath the rules, so the scoped store's hook does not copy the new owner onto the
    // record's history, e-mails and stage grants: done here, for every kind.
    await refreshAccessCopies(unit.system, kind, record, saved, unit.actorId, unit.tx);
    if (kind === 'tasks') {
      const task = saved as unknown as Task;
      await unit.timeline({
        ...taskAccessFields(task),
        partnerId: task.partnerId,
        personId: task.personId,
        subjectType: 'task',
        subjectId: task.id,
        kind: 'task.assigned',
        title: `${task.number} ${task.subject}`,
        data: { number: task.number, status: task.status, ownerId: to.id, from: from.id, handOver: true },
      });
      unit.emit({ type: 'task.updated', task, changed: ['ownerId'] });
    }
  }
  if (kind === 'stages') await dropStageGrants(unit, page.items as unknown as Stage[], from);
  return page.items.length;
}

async function activeOperator(unit: Unit, id: string, field: string): Promise<Operator> {
  return unit.load<Operator>('operators', v.id(field, id), 'operator', field);
}

/**
 * Operators' hand-over (przejęcie kontrahentów): everything one operator owns moves to another,
 * batch by batch, each batch one transaction with an audit entry per record.
 */
export function handOverMethods(ctx: Context) {
  return {
    /**
     * Reassigns in bulk what `fromId` owns to `toId` (tasks, stages, partners, opportunities,
     * offers, campaigns; `kinds` narrows it, `openOnly` leaves closed work where it is). Each
     * moved record gets an audit entry; the hand-over itself is audited on the operator.
     * Returns how many records of each kind moved.
     */
    async handOver(fromId: string, toId: string, options: HandOverOptions = {}): Promise<HandOverCounts> {
      const kinds = options.kinds === undefined ? [...HAND_OVER_KINDS] : options.kinds.map((k, i) => v.oneOf(`handOver.kinds[${i}]`, k, HAND_OVER_KINDS));
      if (kinds.length === 0) throw invalid('handOver.kinds', `must name at least one of ${HAND_OVER_KINDS.join(', ')}`, '[]');
      const openOnly = options.openOnly === undefined ? false : v.boolean('handOver.openOnly', options.openOnly);
      const { from, to } = await inUnit(ctx, async (unit) => {
        const from = await activeOperator(unit, fromId, 'handOver.from');
        const to = await activeOperator(unit, toId, 'handOver.to');
        if (from.id === to.id) throw invalid('handOver.to', `must be another operator than handOver.from (both are ${from.email})`, to.id);
        if (!to.active) throw invalid('handOver.to', `operator ${to.email} is deactivated and cannot take over work`, to.id);
        // Handing over someone's work is administering operators, not editing records one by one.
        await requirePermission(ctx, 'operators', 'update', `${from.email} (hand-over)`);
        return { from, to };
      });
      const counts = Object.fromEntries(HAND_OVER_KINDS.map((k) => [k, 0])) as HandOverCounts;
      for (const kind of kinds) {
        for (;;) {
          const moved = await retryConflicts(() => inUnit(ctx, (unit) => moveBatch(unit, kind, from, to, openOnly)));
          counts[kind] += moved;
          if (moved < BATCH) break;
        }
      }
      await inUnit(ctx, async (unit) => {
        const shares = await moveShares(unit, kinds, from, to, openOnly);
        await unit.audit('operator', from.id, 'handOver', null, { to: to.id, kinds, openOnly, counts, shares });
        unit.emit({ type: 'operator.handed_over', from: from.id, to: to.id, counts });
      });
      return counts;
    },
  };
}
