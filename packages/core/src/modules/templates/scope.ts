import type { Unit } from '../../context.js';
import type { StoredRecord } from '../../store/schema.js';
import { TEMPLATE_ROOTS } from './engine.js';

/** Who a message goes to, as templates see it (`recipient.name`, `recipient.email`, …). */
export interface Recipient {
  name?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
}

/** Which field of the main record points at each related record a template may read. */
const LINKS: Record<string, string> = { partner: 'partnerId', person: 'personId', owner: 'ownerId', register: 'registerId' };

/**
 * The values a template renders over: the record, the records it refers to (null when it has
 * none), the recipient, now and the host's data. Every root is present, so a template checked
 * when saved never fails on a missing one when sent.
 */
export async function scopeFor(unit: Unit, recordKind: string, recordId: string, recipient: Recipient | null, data: Record<string, unknown>) {
  const roots = TEMPLATE_ROOTS[recordKind]!;
  const main = await unit.load<StoredRecord & Record<string, unknown>>(roots[recordKind]!, recordId, recordKind, 'recordId');
  const scope: Record<string, unknown> = { [recordKind]: main };
  for (const [root, collection] of Object.entries(roots)) {
    if (root === recordKind) continue;
    const link = main[LINKS[root] ?? ''];
    scope[root] = typeof link === 'string' ? await unit.tx.get(collection, link) : null;
  }
  return { ...scope, recipient: recipient ?? {}, now: unit.now, data };
}
