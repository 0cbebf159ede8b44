import { where, type Crm, type Email, type TimelineItem } from '@rapport/core';

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

/** The last e-mails of a partner or person the operator of `crm` may see, through the timeline index (newest first). */
export async function recentEmails(crm: Crm, scope: Scope, limit = 5): Promise<EmailView[]> {
  return (await crm.emails.recent(scope, { limit })).map(emailView);
}

/**
 * The same e-mails taken from the newest page of the same timeline (`crm.history.forEmail`'s
 * first page, read as the same operator), when that page holds `limit` of them or the whole
 * timeline: one timeline read less. Null when the page cannot tell (fewer e-mails and more pages).
 */
export async function recentEmailsFromPage(crm: Crm, page: { items: TimelineItem[]; nextCursor: string | null }, limit = 5): Promise<EmailView[] | null> {
  const ids = [...new Set(page.items.filter((i) => i.subjectType === 'email').map((i) => i.subjectId))].slice(0, limit);
  if (ids.length < limit && page.nextCursor !== null) return null;
  if (ids.length === 0) return [];
  // The operator's store: its rules bound the e-mails as they bound crm.emails.recent's.
  const byId = new Map((await crm.store.find<Email>('emails', { where: where.in('id', ids), limit: ids.length })).items.map((e) => [e.id, e]));
  return ids.flatMap((id) => (byId.has(id) ? [emailView(byId.get(id)!)] : []));
}

function emailView(e: Email): EmailView {
  return {
    id: e.id,
    subject: e.subject ?? '',
    from: e.from ? (e.from.name ? `${e.from.name} <${e.from.address}>` : e.from.address) : null,
    at: (e.sentAt ?? e.createdAt)?.toISOString() ?? null,
    taskId: e.taskId,
    snippet: (e.text ?? '').replace(/\s+/g, ' ').trim().slice(0, 200),
  };
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
