import type { Crm, Operator } from '@rapport/core';
import type { EmailView, OpportunityView } from './history.js';

// crm.emails and crm.opportunities arrive in other issues; the API uses them when present so
// the add-in does not have to wait for them. Shapes are read defensively for the same reason.

type Scope = { partnerId: string } | { personId: string };
type Listing = { items: Array<Record<string, unknown>> };
interface Lister {
  list?: (query: Record<string, unknown>) => Promise<Listing>;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : null);
const addr = (v: unknown): string | null => {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as { address?: unknown; name?: unknown };
    const a = str(o.address);
    const n = str(o.name);
    return n && a ? `${n} <${a}>` : (a ?? n);
  }
  return null;
};

/** Recent e-mails and open opportunities of a partner or person, when those modules exist. */
export function optionalModules(crm: Crm) {
  const loose = crm as unknown as { emails?: Lister; opportunities?: Lister };
  return {
    hasEmails: typeof loose.emails?.list === 'function',
    async extrasFor(scope: Scope, _operator: Operator): Promise<{ emails: EmailView[]; opportunities: OpportunityView[] }> {
      const [emails, opportunities] = await Promise.all([
        typeof loose.emails?.list === 'function' ? loose.emails.list({ ...scope, limit: 5 }).catch(() => ({ items: [] })) : { items: [] },
        typeof loose.opportunities?.list === 'function' && 'partnerId' in scope
          ? loose.opportunities.list({ partnerId: scope.partnerId, open: true, limit: 10 }).catch(() => ({ items: [] }))
          : { items: [] },
      ]);
      return {
        emails: emails.items.map((e) => ({
          id: String(e.id),
          subject: str(e.subject) ?? '',
          from: addr(e.from),
          at: str(e.date) ?? str(e.sentAt) ?? str(e.receivedAt) ?? str(e.createdAt),
          taskId: str(e.taskId),
        })),
        opportunities: opportunities.items
          .filter((o) => !['won', 'lost'].includes(String(o.stage)))
          .map((o) => ({
            id: String(o.id),
            title: str(o.title) ?? str(o.name) ?? str(o.subject) ?? '',
            stage: str(o.stage) ?? '',
            amount: typeof o.amount === 'number' ? o.amount : null,
            currency: str(o.currency),
          })),
      };
    },
  };
}
