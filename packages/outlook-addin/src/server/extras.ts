import type { Crm, Operator } from '@rapport/core';
import { canSeeTask } from './visibility.js';

export interface EmailView {
  id: string;
  subject: string;
  from: string | null;
  at: string | null;
  taskId: string | null;
  /** The first lines of the text body (plain text; the pane shows it as text). */
  snippet: string;
}

export interface OpportunityView {
  id: string;
  name: string;
  stage: string;
  /** Minor units (grosze, cents). */
  amount: number;
  currency: string;
  expectedCloseAt: string | null;
}

type Scope = { partnerId: string } | { personId: string };

/** The last e-mails of a partner or person, through the timeline index (newest first). */
export async function recentEmails(crm: Crm, scope: Scope, operator: Operator, limit = 5): Promise<EmailView[]> {
  // Twice as many as shown: some may be on tasks the operator may not see.
  const emails = await crm.emails.recent(scope, { limit: limit * 2 });
  const hidden = await hiddenTaskIds(
    crm,
    operator,
    emails.map((e) => e.taskId),
  );
  return emails
    .filter((e) => !(e.taskId && hidden.has(e.taskId)))
    .slice(0, limit)
    .map((e) => ({
      id: e.id,
      subject: e.subject ?? '',
      from: e.from ? (e.from.name ? `${e.from.name} <${e.from.address}>` : e.from.address) : null,
      at: (e.sentAt ?? e.createdAt)?.toISOString() ?? null,
      taskId: e.taskId,
      snippet: (e.text ?? '').replace(/\s+/g, ' ').trim().slice(0, 200),
    }));
}

/** Open opportunities of a partner, newest first. */
export async function openOpportunities(crm: Crm, partnerId: string): Promise<OpportunityView[]> {
  const page = await crm.opportunities.list({ partnerId, status: 'open', limit: 10 });
  return page.items.map((o) => ({
    id: o.id,
    name: o.name,
    stage: o.stage,
    amount: o.amount,
    currency: o.currency,
    expectedCloseAt: o.expectedCloseAt ? o.expectedCloseAt.toISOString() : null,
  }));
}

/** Of these task ids, those the operator may not see. */
export async function hiddenTaskIds(crm: Crm, operator: Operator, taskIds: Array<string | null>): Promise<Set<string>> {
  const tasks = await crm.tasks.byIds(taskIds.filter((id): id is string => !!id));
  return new Set(tasks.filter((t) => !canSeeTask(t, operator)).map((t) => t.id));
}
