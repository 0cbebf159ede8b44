import type { Store } from '../../store/store.js';

/** Timeline subject types of owned records, and the collection each lives in. */
export const OWNED_SUBJECTS: Record<string, string> = { opportunity: 'opportunities', offer: 'offers', partner: 'partners', campaign: 'campaigns' };
/** The same, by collection. */
export const SUBJECT_OF: Record<string, string> = Object.fromEntries(Object.entries(OWNED_SUBJECTS).map(([type, c]) => [c, type]));

type Owned = { id: string; version: number; ownerId?: string | null; createdBy?: string | null };

/** What a record's access fields are on its timeline items: its owner and creator. */
export const ownerFields = (record: Owned) => ({ ownerId: record.ownerId ?? null, creatorId: record.createdBy ?? null });

/** The owner and creator of an item's subject, read beneath the rules; nothing for other subjects. */
export async function subjectOwner(store: Store, subjectType: string, subjectId: string): Promise<{ ownerId?: string | null; creatorId?: string | null }> {
  const collection = OWNED_SUBJECTS[subjectType];
  if (!collection) return {};
  const record = await store.get<Owned>(collection, subjectId);
  return record ? ownerFields(record) : {};
}
