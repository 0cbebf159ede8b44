import type { Unit } from '../../context.js';
import type { Task } from '../../domain/types.js';
import type { Batch } from './batch.js';
import type { Prepared } from './normalize.js';

/** The key a message's thread is filed under: the first message it refers to, or itself. */
export const threadRoot = (p: Prepared): string => (p.threadRefs.length > 0 ? (p.references[0] ?? p.threadRefs[0]!) : p.key);

export interface Thread {
  /** The thread key of the earliest stored relative, else this message's root. */
  key: string;
  /** The task of the thread's first message that has one. */
  task: Task | null;
}

/**
 * The thread of a message: an earlier message it refers to, or one that shares its root. Also
 * finds replies that arrived before this message: they named it as their root.
 */
export async function findThread(unit: Unit, batch: Batch, p: Prepared): Promise<Thread> {
  const root = threadRoot(p);
  const related = batch.thread.filter((e) => e.threadKey === root || p.threadRefs.includes(e.messageKey));
  const key = related[0]?.threadKey ?? root;
  const withTask = related.find((e) => e.taskId);
  const task = withTask?.taskId ? (batch.tasks.get(withTask.taskId) ?? (await unit.tx.get<Task>('tasks', withTask.taskId))) : null;
  return { key, task };
}
