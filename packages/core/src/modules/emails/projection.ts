// What a filed message adds beside its e-mail record: an entry on its task and the timeline items.
import type { Unit } from '../../context.js';
import type { Email } from '../../domain/email-types.js';
import type { Task, TaskEntry, TimelineItem } from '../../domain/types.js';
import { newId } from '../../ids.js';
import { taskAccessFields } from '../access/task-access.js';
import type { Batch } from './batch.js';
import type { Participants } from './participants.js';

/** An `email` entry on the task; an existing task is touched (`updatedAt`, at the batch's end) so lists show it moved. */
export async function addTaskEntry(unit: Unit, batch: Batch, task: Task, email: Email, createdTask: boolean): Promise<void> {
  const entry: TaskEntry = {
    id: newId(unit.now.getTime()),
    version: 1,
    taskId: task.id,
    kind: 'email',
    at: unit.now,
    createdBy: unit.actorId,
    body: email.subject,
    file: null,
    link: null,
    emailId: email.id,
  };
  batch.entries.push(entry);
  // Many messages of a batch may extend one task (a thread): it is touched once, at the batch's end.
  if (!createdTask) batch.touched.add(task.id);
  unit.emit({ type: 'entry.added', entry });
}

/**
 * Timeline: one item per linked person; only the first person of a partner carries the
 * partner id, so the partner's timeline shows the message once however many of its
 * people it reached. A partner nobody stood for gets an item of its own.
 */
export function addTimeline(unit: Unit, batch: Batch, email: Email, people: Participants): void {
  const now = unit.now;
  const inbound = email.direction === 'inbound';
  const title = `${inbound ? '←' : '→'} ${email.subject ?? '(no subject)'}`.slice(0, 500);
  const data = { from: email.fromAddress, taskId: email.taskId, messageKey: email.messageKey, bulk: email.bulk };
  const task = email.taskId ? batch.tasks.get(email.taskId) : undefined;
  const access = task ? taskAccessFields(task) : {};
  const kind = inbound ? 'email.received' : 'email.sent';
  const at = email.sentAt ?? now;
  const item = (partnerId: string | null, personId: string | null): TimelineItem => ({
    id: newId(now.getTime()),
    version: 1,
    partnerId,
    personId,
    kind,
    subjectType: 'email',
    subjectId: email.id,
    title,
    data,
    at,
    actorId: unit.actorId,
    ...access,
  });
  const covered = new Set<string>();
  for (const person of people.persons.values()) {
    const partnerId = person.partnerId && people.partners.has(person.partnerId) && !covered.has(person.partnerId) ? person.partnerId : null;
    if (partnerId) covered.add(partnerId);
    batch.timeline.push(item(partnerId, person.id));
  }
  for (const partner of people.partners.values()) {
    if (!covered.has(partner.id)) batch.timeline.push(item(partner.id, null));
  }
}
