import type { Stage, Task } from '../../domain/types.js';
import { where } from '../../store/filter.js';
import type { Page } from '../../store/store.js';
import { labelsFor, registersOf, stageItem, stageTaskWhere, taskItem, type CalendarItem, type CalendarPlan } from './range.js';

/** Items per page: a feed writes each page before it reads the next. */
const PAGE = 500;

/**
 * A synchronous driver (better-sqlite3) resolves every read at once, so without a turn of the
 * event loop between pages the whole feed would be made before the socket sends its first byte,
 * and other requests would wait for it.
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The items of a planned calendar query page by page, for a feed that streams: tasks in due
 * order (keyset pages), then stages in planned order, each page labelled with one read per
 * relation. Unlike `calendarRange`, items are not sorted across pages (an iCalendar client
 * places every item by its own dates), so the first page is written before the last is read.
 * Stops after `plan.q.limit` items.
 */
export async function* calendarPages(plan: CalendarPlan, pageSize = PAGE): AsyncGenerator<CalendarItem[]> {
  const { q, reads, now, viewWhere, taskWhere, stageWhere } = plan;
  await nextTurn(); // the header the caller wrote goes out before the first read
  const registers = await registersOf(reads);
  let left = q.limit;
  let cursor: string | undefined;
  do {
    const page = await reads.find<Task>('tasks', {
      where: taskWhere,
      sort: [{ field: 'dueAt' }],
      limit: Math.min(pageSize, left),
      ...(cursor ? { cursor } : {}),
    });
    const labels = await labelsFor(reads, page.items, [], registers);
    yield page.items.map((task) => taskItem(task, q.fields, labels, now));
    await nextTurn();
    left -= page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor && left > 0);
  if (!q.stages) return;
  cursor = undefined;
  while (left > 0) {
    const page: Page<Stage> = await reads.find<Stage>('stages', {
      where: stageWhere,
      sort: [{ field: 'plannedAt' }],
      limit: Math.min(pageSize, left),
      ...(cursor ? { cursor } : {}),
    });
    // As in calendarRange: the stage's task decides register, colour and visibility, read through the same door.
    const taskIds = [...new Set(page.items.map((s) => s.taskId))];
    const tasks = new Map<string, Task>();
    if (taskIds.length > 0) {
      const found = await reads.find<Task>('tasks', { where: where.and(where.in('id', taskIds), stageTaskWhere(q), viewWhere), limit: taskIds.length });
      for (const t of found.items) tasks.set(t.id, t);
    }
    const placed = page.items.flatMap((stage) => {
      const task = tasks.get(stage.taskId);
      return task ? [{ stage, task }] : [];
    });
    const labels = await labelsFor(
      reads,
      placed.map((p) => p.task),
      placed.map((p) => p.stage),
      registers,
    );
    yield placed.map(({ stage, task }) => stageItem(stage, task, q.fields, labels, now));
    await nextTurn();
    left -= placed.length;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}
