import { retryConflicts, type Context } from '../../context.js';
import { TASK_STATUSES, type AuditEntry, type Stage, type Task, type TaskStatus } from '../../domain/types.js';
import { INBOX_BOXES, type InboxBox, type InboxMark, type TaskResponse } from '../../domain/work-types.js';
import { RapportError } from '../../errors.js';
import { newId } from '../../ids.js';
import { where, type Filter } from '../../store/filter.js';
import type { Page, SortField } from '../../store/store.js';
import * as v from '../../validate.js';
import { visibleReads } from '../visible.js';
import { unscoped } from '../access/unscoped.js';
import { findAll } from '../../store/find-all.js';

export interface InboxQuery {
  /** Task statuses to show (default open and in progress); not used by `responses`. */
  status?: TaskStatus[];
  /** Only what is new or changed since the operator last marked the box seen. */
  onlyNew?: boolean;
  sort?: SortField[];
  limit?: number;
  cursor?: string;
}

/** A page of an inbox box, with when the operator last looked and how much is new since. */
export interface InboxPage<T> extends Page<T> {
  box: InboxBox;
  seenAt: Date | null;
  /** Items new or changed since `seenAt` (all of them when never seen). */
  newCount: number;
}

const OPEN: TaskStatus[] = ['open', 'in_progress'];

/** The task inbox of the acting operator: for me, from me, responses, and what is new since last looked. */
export function inboxModule(ctx: Context) {
  const reads = visibleReads(ctx);
  const me = (): string => {
    if (!ctx.actorId)
      throw new RapportError('VALIDATION', 'the inbox belongs to an operator: call it on crm.as(operatorId)', { details: { field: 'actorId' } });
    return ctx.actorId;
  };
  const seenAt = async (operatorId: string, box: InboxBox) =>
    (await reads.find<InboxMark>('inbox_marks', { where: where.and(where.eq('operatorId', operatorId), where.eq('box', box)), limit: 1 })).items[0] ?? null;

  async function taskBox(box: InboxBox, scope: Filter, query: InboxQuery): Promise<InboxPage<Task>> {
    const operatorId = me();
    const statuses = (query.status ?? OPEN).map((s, i) => v.oneOf(`inbox.status[${i}]`, s, TASK_STATUSES));
    const mark = await seenAt(operatorId, box);
    const base = where.and(where.in('status', statuses), scope);
    const fresh = mark ? where.and(base, where.gt('updatedAt', mark.seenAt)) : base;
    const page = await reads.find<Task>('tasks', {
      where: query.onlyNew ? fresh : base,
      sort: query.sort ?? [{ field: 'dueAt' }, { field: 'createdAt', direction: 'desc' }],
      limit: query.limit ?? 50,
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    return { ...page, box, seenAt: mark?.seenAt ?? null, newCount: await reads.count('tasks', fresh) };
  }

  return {
    /** Tasks I own, or whose open stage I own ("zadania dla mnie"). */
    async forMe(query: InboxQuery = {}): Promise<InboxPage<Task>> {
      const operatorId = me();
      const stageTasks = new Set<string>();
      for await (const s of reads.findAll<Stage>('stages', { where: where.and(where.eq('ownerId', operatorId), where.eq('status', 'open')) })) {
        stageTasks.add(s.taskId);
      }
      return taskBox('for_me', where.or(where.eq('ownerId', operatorId), stageTasks.size ? where.in('id', [...stageTasks]) : undefined), query);
    },

    /** Tasks I created, or handed over, that someone else now owns ("zadania ode mnie"). */
    async fromMe(query: InboxQuery = {}): Promise<InboxPage<Task>> {
      const operatorId = me();
      const handedOver = new Set<string>();
      const audit = where.and(where.eq('actorId', operatorId), where.eq('field', 'ownerId'), where.eq('entityType', 'task'));
      // The operator's own changes, read beneath the rules (audit is closed to them); taskBox filters the tasks.
      for await (const a of findAll<AuditEntry>(unscoped(ctx.store), 'audit', { where: audit })) handedOver.add(a.entityId);
      const mine = where.or(where.eq('createdBy', operatorId), handedOver.size ? where.in('id', [...handedOver]) : undefined);
      return taskBox('from_me', where.and(mine, where.ne('ownerId', operatorId)), query);
    },

    /** Answers, comments and completions by others on tasks I issued, newest first. */
    async responses(query: Omit<InboxQuery, 'status'> = {}): Promise<InboxPage<TaskResponse>> {
      const operatorId = me();
      const mark = await seenAt(operatorId, 'responses');
      const base = where.eq('issuerId', operatorId);
      const fresh = mark ? where.and(base, where.gt('at', mark.seenAt)) : base;
      const page = await reads.find<TaskResponse>('task_responses', {
        where: query.onlyNew ? fresh : base,
        sort: query.sort ?? [{ field: 'at', direction: 'desc' }],
        limit: query.limit ?? 50,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
      return { ...page, box: 'responses', seenAt: mark?.seenAt ?? null, newCount: await reads.count('task_responses', fresh) };
    },

    /** Marks a box seen now (or at `at`): later changes count as new. */
    async markSeen(box: InboxBox, at?: Date | string): Promise<InboxMark> {
      const operatorId = me();
      const which = v.oneOf('inbox.box', box, INBOX_BOXES);
      const when = at === undefined ? ctx.clock.now() : v.date('inbox.at', at);
      // Two first looks at once: the unique (operator, box) lets one create, the other retries and updates.
      return retryConflicts(async () => {
        const mark = await seenAt(operatorId, which);
        if (mark) return ctx.store.update<InboxMark>('inbox_marks', mark.id, { seenAt: when }, mark.version);
        const created: InboxMark = { id: newId(when.getTime()), version: 1, operatorId, box: which, seenAt: when };
        return ctx.store.create('inbox_marks', created);
      });
    },
  };
}
