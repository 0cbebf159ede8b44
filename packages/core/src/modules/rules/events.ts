import type { DomainEvent } from '../../events.js';
import type { StoredRecord } from '../../store/schema.js';

/** Record kinds rules and watches know, with their collections (the template record kinds). */
export const RECORD_COLLECTIONS: Record<string, string> = {
  task: 'tasks',
  partner: 'partners',
  person: 'persons',
  opportunity: 'opportunities',
  offer: 'offers',
};

/** Reads a field of an event whatever its type (events are a union; each listed type has the field). */
const field = (name: string) => (e: DomainEvent) => (e as unknown as Record<string, unknown>)[name];

/**
 * The domain events an automatic rule may listen to: which record each is about, and the record
 * as it is after the change (what the rule's filter is matched against). A closed list: a rule
 * naming any other event is refused when saved.
 */
export const RULE_EVENTS: Record<string, { kind: string; record: (e: DomainEvent) => unknown }> = {
  'task.created': { kind: 'task', record: field('task') },
  'task.updated': { kind: 'task', record: field('task') },
  'task.status_changed': { kind: 'task', record: field('task') },
  'task.closed': { kind: 'task', record: field('task') },
  'partner.created': { kind: 'partner', record: field('partner') },
  'partner.updated': { kind: 'partner', record: field('partner') },
  'person.created': { kind: 'person', record: field('person') },
  'person.updated': { kind: 'person', record: field('person') },
  'opportunity.created': { kind: 'opportunity', record: field('opportunity') },
  'opportunity.updated': { kind: 'opportunity', record: field('opportunity') },
  'opportunity.stage_changed': { kind: 'opportunity', record: field('opportunity') },
  'offer.created': { kind: 'offer', record: field('offer') },
  'offer.status_changed': { kind: 'offer', record: field('offer') },
};

/** Changes of a task that do not carry the task itself, for watchers: a stage or an entry. */
const TASK_CHILD_EVENTS: Record<string, (e: DomainEvent) => unknown> = {
  'stage.added': (e) => (field('stage')(e) as { taskId?: unknown } | undefined)?.taskId,
  'stage.completed': (e) => (field('stage')(e) as { taskId?: unknown } | undefined)?.taskId,
  'entry.added': (e) => (field('entry')(e) as { taskId?: unknown } | undefined)?.taskId,
};

/** One record changed in a unit: its kind and id, the events about it, and its latest state when an event carried it. */
export interface RecordChange {
  kind: string;
  id: string;
  events: DomainEvent[];
  record: (StoredRecord & Record<string, unknown>) | null;
}

/**
 * The records a unit's events changed, one entry per record however many events it emitted about
 * it (a status change emits `task.updated` and `task.status_changed`: one change).
 */
export function changesOf(events: DomainEvent[]): RecordChange[] {
  const out = new Map<string, RecordChange>();
  const add = (kind: string, id: unknown, event: DomainEvent, record: unknown) => {
    if (typeof id !== 'string') return;
    const key = `${kind}:${id}`;
    const change = out.get(key) ?? { kind, id, events: [], record: null };
    change.events.push(event);
    if (record && typeof record === 'object') change.record = record as RecordChange['record'];
    out.set(key, change);
  };
  for (const event of events) {
    const known = RULE_EVENTS[event.type];
    if (known) {
      const record = known.record(event) as { id?: unknown } | undefined;
      add(known.kind, record?.id, event, record);
      continue;
    }
    const taskOf = TASK_CHILD_EVENTS[event.type];
    if (taskOf) add('task', taskOf(event), event, null);
  }
  return [...out.values()];
}
