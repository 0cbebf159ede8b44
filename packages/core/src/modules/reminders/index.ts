import { inRead, inUnit, type Context } from '../../context.js';
import type { ReminderRule } from '../../domain/notify-types.js';
import type { Operator, Task } from '../../domain/types.js';
import { checkRules, planReminders, saveSettings, settingsOf } from './plan.js';

export { fireReminder } from './fire.js';
export { REMINDER_JOB } from './plan.js';

/**
 * Task reminders (przypomnienia): rules per task, and each operator's defaults that every new task
 * they own starts with. The jobs follow the task in its own transactions: a new due date re-plans,
 * completing or cancelling cancels, re-opening plans again.
 */
export function remindersModule(ctx: Context) {
  return {
    /** Replaces a task's reminder rules and plans them now. */
    set(taskId: string, rules: ReminderRule[]): Promise<ReminderRule[]> {
      return inUnit(ctx, async (unit) => {
        const task = await unit.load<Task>('tasks', taskId, 'task');
        const checked = checkRules('reminders', rules);
        const previous = (await settingsOf(unit, 'task', task.id))?.rules.length ?? 0;
        await saveSettings(unit, 'task', task.id, checked);
        await planReminders(unit, task, checked, previous);
        return checked;
      });
    },

    /** A task's reminder rules (empty when it has none). */
    get(taskId: string): Promise<ReminderRule[]> {
      return inRead(ctx, async (unit) => (await settingsOf(unit, 'task', (await unit.load<Task>('tasks', taskId, 'task')).id))?.rules ?? []);
    },

    /** Sets an operator's default rules, applied to every task created for them from now on. */
    setDefaults(operatorId: string, rules: ReminderRule[]): Promise<ReminderRule[]> {
      return inUnit(ctx, async (unit) => {
        const op = await unit.load<Operator>('operators', operatorId, 'operator');
        const checked = checkRules('reminders', rules);
        await saveSettings(unit, 'operator', op.id, checked);
        return checked;
      });
    },

    defaults(operatorId: string): Promise<ReminderRule[]> {
      return inRead(ctx, async (unit) => (await settingsOf(unit, 'operator', operatorId))?.rules ?? []);
    },
  };
}
