import { inUnit, retryConflicts, type Context } from '../../context.js';
import type { Operator, Task } from '../../domain/types.js';
import { invalid } from '../../errors.js';
import * as v from '../../validate.js';
import { putGrant } from '../access/shares.js';
import { refreshTaskAccess } from '../access/task-access.js';
import { summary, timelineTarget } from './fields.js';

export interface DelegateOptions {
  /**
   * The task goes with its history: entries, e-mails and stages are the task's, so whoever may
   * read the task reads them. Default true; false is refused (delegate a new subtask instead).
   */
  withHistory?: boolean;
  /**
   * For a subtask: also let the delegate read its parent task. Default false: the delegate gets
   * the subtask and what is on it, and delegation grants nothing of the parent (subject,
   * description, entries, siblings) in any read — history, search, API or e-mail tracking.
   */
  revealParent?: boolean;
}

/** Delegation (delegowanie): a task or a subtask handed to another operator, audited. */
export function delegationApi(ctx: Context) {
  return {
    /**
     * Hands a task to `toId`: they become its owner (so they read and work it, its entries and
     * e-mails), and whoever delegated keeps edit access to follow it. A subtask is delegated
     * without its parent unless `revealParent`. Audited on the task (`delegation`).
     */
    async delegate(taskId: string, toId: string, options: DelegateOptions = {}): Promise<Task> {
      const withHistory = options.withHistory === undefined ? true : v.boolean('delegate.withHistory', options.withHistory);
      const revealParent = options.revealParent === undefined ? false : v.boolean('delegate.revealParent', options.revealParent);
      if (!withHistory) {
        throw invalid(
          'delegate.withHistory',
          'false is not supported: a task is delegated with its history; to give only a part, create a subtask and delegate it',
          false,
        );
      }
      return retryConflicts(() =>
        inUnit(ctx, async (unit) => {
          const task = await unit.load<Task>('tasks', v.id('delegate.taskId', taskId), 'task', 'delegate.taskId');
          const to = await unit.load<Operator>('operators', v.id('delegate.to', toId), 'operator', 'delegate.to');
          if (!to.active) throw invalid('delegate.to', `operator ${to.email} is deactivated`, to.id);
          if (task.ownerId === to.id) throw invalid('delegate.to', `task ${task.number} is already owned by ${to.email}`, to.id);
          if (revealParent && !task.parentId) throw invalid('delegate.revealParent', `task ${task.number} has no parent task to reveal`, true);
          // The owner change goes through the acting operator's store: it needs their assign scope.
          const saved = await unit.save('tasks', task, { ownerId: to.id, updatedAt: unit.now });
          await refreshTaskAccess(unit, task, saved);
          await unit.audit('task', task.id, 'ownerId', task.ownerId, to.id);
          await unit.audit('task', task.id, 'delegation', null, { to: to.id, from: task.ownerId, withHistory, revealParent });
          // Who delegated keeps following the task, whether or not a rule of theirs still reaches it.
          for (const keeper of new Set([task.ownerId, unit.actorId])) {
            if (keeper && keeper !== to.id) await putGrant(unit, 'tasks', task.id, `o:${keeper}`, 'edit', 'delegation');
          }
          if (revealParent && task.parentId) await putGrant(unit, 'tasks', task.parentId, `o:${to.id}`, 'read', 'delegation');
          await unit.timeline({
            ...timelineTarget(saved),
            kind: 'task.delegated',
            title: `${saved.number} ${saved.subject}`,
            data: { ...summary(saved), from: task.ownerId },
          });
          unit.emit({ type: 'task.updated', task: saved, changed: ['ownerId'] });
          return saved;
        }),
      );
    },
  };
}
