import type { Crm } from '@rapport/core';

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
  const emails = await crm.emails.recent(scope, { limit });
  return emails.map((e) => ({
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
