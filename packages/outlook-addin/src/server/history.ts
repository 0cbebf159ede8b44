import { unicodeDomain, where, type Crm, type Partner, type Person, type Stage, type StageProgress, type Task, type TimelineItem } from '@rapport/core';
import { openOpportunities, recentEmails, recentEmailsFromPage, type EmailView, type OpportunityView } from './extras.js';

/** A task as the pane shows it. */
export interface TaskView {
  id: string;
  number: string;
  subject: string;
  status: Task['status'];
  priority: Task['priority'];
  dueAt: string | null;
  overdue: boolean;
  ownerId: string | null;
  private: boolean;
  stages: { done: number; total: number; current: string | null };
}

export interface HistoryView {
  address: string;
  partner: Pick<Partner, 'id' | 'code' | 'name' | 'kind' | 'taxId' | 'phones' | 'emails' | 'industry' | 'salesBlocked'> | null;
  person: PersonView | null;
  persons: PersonView[];
  openTasks: TaskView[];
  emails: EmailView[];
  opportunities: OpportunityView[];
  timeline: { items: TimelineItem[]; nextCursor: string | null };
  /** Set when nothing is known about the address, so the pane can offer "add as contact". */
  hint: string | null;
}

export interface PersonView {
  id: string;
  name: string;
  firstName: string;
  lastName: string;
  emails: string[];
  phones: string[];
  position: string | null;
  partnerId: string | null;
}

export type { EmailView, OpportunityView };

const OPEN: Task['status'][] = ['open', 'in_progress'];
/** The fields of a task the pane shows: tasks are wide rows, and the history reads only these. */
const TASK_FIELDS = ['number', 'subject', 'status', 'priority', 'dueAt', 'ownerId', 'private'] as const;
type TaskRow = Pick<Task, (typeof TASK_FIELDS)[number] | 'id'>;

const personView = (p: Person): PersonView => ({
  id: p.id,
  name: `${p.firstName} ${p.lastName}`.trim(),
  firstName: p.firstName,
  lastName: p.lastName,
  emails: p.emails,
  phones: p.phones,
  position: p.position,
  partnerId: p.partnerId,
});

/**
 * Builds the pane's view of an e-mail address: partner card, persons, open tasks, e-mails,
 * timeline. `crm` acts as the operator (`crm.as(id)`): core bounds every read by their rules.
 */
export async function historyFor(crm: Crm, address: string, query: { limit: number; before?: string }): Promise<HistoryView> {
  // An e-mail to two contacts of one partner has an item per contact: the pane shows it once.
  const history = await crm.history.forEmail(address, { limit: query.limit, distinct: true, ...(query.before ? { before: query.before } : {}) });
  const { partner, person } = history;
  const scope = partner ? { partnerId: partner.id } : person ? { personId: person.id } : null;
  const now = crm.clock.now();

  // The newest page of the timeline usually holds the last e-mails too: no second timeline read then.
  const fromPage = scope && !query.before ? recentEmailsFromPage(crm, history) : null;
  const openTasks = async () => {
    const page = scope ? await crm.tasks.list({ ...scope, status: OPEN, limit: 20, select: TASK_FIELDS }) : { items: [] as TaskRow[] };
    return { items: page.items, progress: await stageProgress(crm, page.items) };
  };
  const [tasks, persons, timeline, emails, opportunities] = await Promise.all([
    openTasks(),
    partner ? crm.persons.list({ partnerId: partner.id, limit: 20 }) : { items: person ? [person] : [] },
    history.items,
    (async () => (scope ? ((await fromPage) ?? (await recentEmails(crm, scope))) : []))(),
    partner ? openOpportunities(crm, partner.id) : [],
  ]);
  const { progress } = tasks;
  return {
    address: history.address,
    partner: partner
      ? {
          id: partner.id,
          code: partner.code,
          name: partner.name,
          kind: partner.kind,
          taxId: partner.taxId,
          phones: partner.phones,
          emails: partner.emails,
          industry: partner.industry,
          salesBlocked: partner.salesBlocked,
        }
      : null,
    person: person ? personView(person) : null,
    persons: persons.items.map(personView),
    openTasks: tasks.items.map((t) => ({
      id: t.id,
      number: t.number,
      subject: t.subject,
      status: t.status,
      priority: t.priority,
      dueAt: t.dueAt ? t.dueAt.toISOString() : null,
      overdue: !!t.dueAt && t.dueAt.getTime() < now.getTime(),
      ownerId: t.ownerId,
      private: t.private,
      stages: progress.get(t.id) ?? { done: 0, total: 0, current: null },
    })),
    emails,
    opportunities,
    timeline: { items: timeline, nextCursor: history.nextCursor },
    hint: partner || person ? null : `no partner or person is known for ${readableAddress(history.address)}: add the sender as a contact or track the e-mail`,
  };
}

/** The address with its domain in Unicode, as people read it (the store keeps xn--). */
function readableAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : `${address.slice(0, at)}@${unicodeDomain(address.slice(at + 1))}`;
}

/**
 * Stage progress of tasks just read as the operator: their stages through the operator's store
 * (its rules apply to stages as to their tasks), without core's stageProgress re-reading the
 * tasks to check they are visible. Sorted by task and position, one read per 1,000 stages.
 */
async function stageProgress(crm: Crm, tasks: TaskRow[]): Promise<Map<string, StageProgress>> {
  const out = new Map<string, StageProgress>();
  if (tasks.length === 0) return out;
  const query = {
    where: where.in(
      'taskId',
      tasks.map((t) => t.id),
    ),
    sort: [{ field: 'taskId' }, { field: 'position' }],
    select: ['taskId', 'position', 'status', 'subject'],
    limit: 1_000,
  };
  let cursor: string | null = null;
  do {
    const page: { items: Stage[]; nextCursor: string | null } = await crm.store.find<Stage>('stages', { ...query, ...(cursor ? { cursor } : {}) });
    for (const s of page.items) {
      const p = out.get(s.taskId) ?? { done: 0, total: 0, current: null };
      p.total += 1;
      if (s.status === 'done') p.done += 1;
      else if (p.current === null) p.current = s.subject;
      out.set(s.taskId, p);
    }
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
